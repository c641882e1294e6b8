// The create/edit task form's small helpers: add and remove calling-hours
// ranges, show the custom dates only for a custom validity, keep the caller
// numbers' total concurrency up to date. The form works without them.
(function () {
  "use strict";

  function forms() { return document.querySelectorAll("form.taskform"); }

  function setup(form) {
    var add = form.querySelector("[data-slot-add]");
    if (add) add.hidden = false;
    form.querySelectorAll("[data-slot-remove]").forEach(function (b) { b.hidden = false; });
    // Without JavaScript an empty row stands ready for one more range; with
    // it the add button does that, so drop the empty row if others exist.
    var rows = form.querySelectorAll("[data-slot]");
    if (rows.length > 1) {
      var last = rows[rows.length - 1];
      var input = last.querySelector("input");
      if (input && input.value === "") last.remove();
    }
    dates(form);
    total(form);
  }

  function dates(form) {
    var box = form.querySelector("[data-custom-dates]");
    var custom = form.querySelector("input[name=time_type][value='1']");
    if (box && custom) box.hidden = !custom.checked;
  }

  function total(form) {
    var out = form.querySelector("[data-telephone-total]");
    if (!out) return;
    var n = 0;
    form.querySelectorAll("input[name=telephone]:checked").forEach(function (c) {
      n += parseInt(c.getAttribute("data-count") || "0", 10) || 0;
    });
    out.textContent = String(n);
  }

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t || !t.closest) return;
    var form = t.closest("form.taskform");
    if (!form) return;
    if (t.closest("[data-slot-add]")) {
      var list = form.querySelector("[data-slots]");
      var rows = list.querySelectorAll("[data-slot]");
      var row = rows[rows.length - 1].cloneNode(true);
      var input = row.querySelector("input");
      input.value = "";
      // A new range carries no message of the one it was copied from.
      row.querySelectorAll("[data-slot-error]").forEach(function (m) { m.remove(); });
      input.setAttribute("aria-invalid", "false");
      input.setAttribute("aria-describedby", "err-call_time_slot");
      input.setAttribute("aria-label", input.getAttribute("aria-label").replace(/\d+/, String(rows.length + 1)));
      row.querySelector("[data-slot-remove]").hidden = false;
      list.appendChild(row);
      input.focus();
    } else if (t.closest("[data-slot-remove]")) {
      var r = t.closest("[data-slot]");
      var all = form.querySelectorAll("[data-slot]");
      if (all.length > 1) r.remove(); else r.querySelector("input").value = "";
    }
  });

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!t || !t.closest) return;
    var form = t.closest("form.taskform");
    if (!form) return;
    if (t.name === "time_type") dates(form);
    if (t.name === "telephone") total(form);
  });

  function init() { forms().forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
  // htmx replaced the form with the server's answer (errors next to fields).
  document.addEventListener("htmx:afterSwap", init);
})();
