// Quality review on a call's page: notes seek the recording, the keys of
// review mode (digits score the focused criterion, Enter submits, n pins a
// note to the focused turn). No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";

  function audio() { return document.getElementById("call-audio"); }

  // A note's button seeks the recording to its turn or time.
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-seek-ms]");
    if (!b) return;
    var a = audio(), ms = parseInt(b.getAttribute("data-seek-ms"), 10);
    var turn = document.querySelector('.turn[data-index="' + b.getAttribute("data-seek-turn") + '"]');
    if (turn) { turn.focus(); if (turn.scrollIntoView) turn.scrollIntoView({ block: "nearest" }); }
    if (!a || isNaN(ms)) return;
    a.currentTime = ms / 1000;
    var p = a.play();
    if (p && p.catch) p.catch(function () {});
  });

  var current = null; // the criterion input digits score

  document.addEventListener("focusin", function (e) {
    var t = e.target;
    if (t && t.matches && t.matches("[data-criterion]")) {
      current = t;
      if (t.type === "number" && t.select) t.select(); // typing replaces the score
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("review-form");
    if (!form) return;
    current = form.querySelector("[data-criterion]");
    if (form.hasAttribute("data-autofocus")) {
      var first = current || form.querySelector("select, input:not([type=hidden])");
      if (first) first.focus();
    }
  });

  // One submission per page: Enter's own submit and the browser's implicit
  // one (or a second Enter) would save the review, and its new note, twice.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form || form.id !== "review-form") return;
    if (form.hasAttribute("data-sent")) { e.preventDefault(); return; }
    form.setAttribute("data-sent", "");
  });
  // A page the browser kept and shows again (Back) may be sent again.
  window.addEventListener("pageshow", function (e) {
    var form = document.getElementById("review-form");
    if (e.persisted && form) form.removeAttribute("data-sent");
  });

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var form = document.getElementById("review-form");
    if (!form) return;
    var t = e.target;
    var typing = t && (t.isContentEditable || /^(TEXTAREA|SELECT)$/.test(t.tagName) ||
      (t.tagName === "INPUT" && !/^(checkbox|radio)$/.test(t.type)));
    // Enter submits the review from anywhere in its form but a text area.
    if (e.key === "Enter" && form.contains(t) && t.tagName !== "TEXTAREA" && t.tagName !== "BUTTON") {
      e.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
      return;
    }
    // n on a focused turn: pin the new note to it.
    if (e.key === "n" && t && t.matches && t.matches(".turn[data-index]")) {
      var sel = document.getElementById("note-turn"), text = document.getElementById("note-text");
      if (sel) { e.preventDefault(); sel.value = t.getAttribute("data-index"); if (text) text.focus(); }
      return;
    }
    // In a criterion's input, j/k still step through the queue and space
    // (in a points input) still plays or pauses.
    if (t && t.matches && t.matches("input[data-criterion]")) {
      if (e.key === "j" || e.key === "k") {
        var link = document.getElementById(e.key === "j" ? "call-next" : "call-prev");
        if (link) { e.preventDefault(); window.location.assign(link.href); }
        return;
      }
      if (e.key === " " && t.type === "number" && audio()) {
        e.preventDefault();
        var au = audio();
        if (au.paused) { var pp = au.play(); if (pp && pp.catch) pp.catch(function () {}); } else au.pause();
        return;
      }
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        var all = Array.prototype.slice.call(form.querySelectorAll("input[data-criterion]"));
        var i = all.indexOf(t) + (e.key === "ArrowDown" ? 1 : -1);
        if (i >= 0 && i < all.length) { e.preventDefault(); all[i].focus(); }
        return;
      }
    }
    if (!/^[0-9]$/.test(e.key) || typing && !(t.matches && t.matches("[data-criterion]"))) return;
    if (t && t.matches && t.matches("input[type=number][data-criterion]")) return; // it types there itself
    var c = (t && t.matches && t.matches("[data-criterion]")) ? t : current;
    if (!c) return;
    e.preventDefault();
    if (c.type === "checkbox") {
      c.checked = e.key !== "0";
    } else {
      var max = parseInt(c.getAttribute("max"), 10);
      var v = parseInt(e.key, 10);
      c.value = String(isNaN(max) ? v : Math.min(v, max));
      c.focus();
    }
  });
})();
