// dialdesk's small behaviours. No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";

  // Polling elements carry data-poll. While the tab is hidden their requests
  // are cancelled (no upstream traffic for nobody); when it becomes visible
  // again they refresh at once (hx-trigger includes "poll-now").
  document.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail && e.detail.elt;
    if (document.hidden && elt && elt.hasAttribute && elt.hasAttribute("data-poll")) {
      e.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) return;
    document.querySelectorAll("[data-poll]").forEach(function (el) {
      window.htmx.trigger(el, "poll-now");
    });
  });

  // On a task's page, the polled live part may bring a new status (the
  // platform moved the task on: queued → running, running → finished...).
  // The header's badge and the actions valid now come with the page, so
  // load it again rather than offer actions of the old status.
  document.addEventListener("htmx:afterRequest", function (e) {
    var elt = e.detail && e.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-poll")) return;
    var head = document.querySelector("[data-testid=task-header]");
    if (!head) return;
    var live = document.getElementById("live-" + head.getAttribute("data-task-id"));
    var was = head.querySelector("[data-testid=status]");
    var now = live && live.querySelector("[data-testid=status]");
    if (!was || !now) return;
    var a = was.getAttribute("data-status"), b = now.getAttribute("data-status");
    if (a && b && a !== b) window.location.reload();
  });

  // "/" (outside a field) goes to the transcript search: focuses its box on
  // the search page, opens the search page elsewhere.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var box = document.querySelector("[data-testid=search-q]");
    var link = document.querySelector("[data-testid=nav-search]");
    if (box) {
      e.preventDefault();
      box.focus();
      box.select();
    } else if (link) {
      e.preventDefault();
      window.location.assign(link.href);
    }
  });

  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("submit", function (e) {
    var btn = e.submitter;
    var msg = (btn && btn.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  });

  // Alerts with a close button.
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t && t.matches && t.matches("[data-dismiss]")) {
      var box = t.closest(".alert");
      if (box) box.remove();
    }
  });

  // A select-all label is hidden until this script runs, since nothing
  // else makes it work.
  document.querySelectorAll("[data-select-all-label]").forEach(function (el) {
    el.hidden = false;
  });

  // Selects with data-autosubmit submit their form on change (filters). A
  // checkbox with data-select-all="name" checks or clears its form's
  // checkboxes of that name (select all).
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t && t.matches && t.matches("[data-autosubmit]") && t.form) {
      t.form.requestSubmit();
    }
    if (t && t.matches && t.matches("[data-select-all]") && t.form) {
      // form.elements includes checkboxes tied to the form by their form
      // attribute (the task list's rows), not only those inside it.
      var name = t.getAttribute("data-select-all");
      Array.prototype.forEach.call(t.form.elements, function (c) {
        if (c !== t && c.type === "checkbox" && c.name === name) c.checked = t.checked;
      });
    }
  });
})();
