// Call pages: exact chip colors, seeking the recording from the transcript,
// highlighting the turn being played, j/k/space, export progress.
// No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";
  var hex = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

  // Exact colors through the CSSOM (style attributes are not allowed).
  function paint(root) {
    (root || document).querySelectorAll("[data-color]").forEach(function (el) {
      var c = el.getAttribute("data-color");
      if (hex.test(c)) el.style.setProperty("--chip", c);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { paint(); setup(); });
  document.addEventListener("htmx:afterSwap", function (e) { paint(e.target); });

  function turns() { return Array.prototype.slice.call(document.querySelectorAll(".turn[data-offset-ms]")); }

  // The turn a link asked for (a search hit: ?t=N and #turn-N): scrolled
  // into view, marked, and the player set to its time.
  function target() {
    var m = /^#turn-(\d+)$/.exec(window.location.hash), n = m ? m[1] : new URLSearchParams(window.location.search).get("t");
    if (!n || !/^\d+$/.test(n)) return null;
    return document.getElementById("turn-" + n);
  }

  function setup() {
    var audio = document.getElementById("call-audio");
    var asked = target();
    if (asked) {
      asked.classList.add("target");
      if (asked.scrollIntoView) asked.scrollIntoView({ block: "center" });
    }
    if (!audio) return;
    if (asked) {
      var at = parseInt(asked.getAttribute("data-offset-ms"), 10);
      if (!isNaN(at)) {
        var place = function () { audio.currentTime = at / 1000; };
        if (audio.readyState >= 1) place(); else audio.addEventListener("loadedmetadata", place, { once: true });
      }
    }
    var list = turns().filter(function (t) { return t.getAttribute("data-offset-ms") !== ""; });

    function seek(turn) {
      var ms = parseInt(turn.getAttribute("data-offset-ms"), 10);
      if (isNaN(ms)) return;
      audio.currentTime = ms / 1000;
      var p = audio.play();
      if (p && p.catch) p.catch(function () {});
      highlight();
    }
    document.addEventListener("click", function (e) {
      var t = e.target.closest && e.target.closest(".turn[data-offset-ms]");
      if (t && !e.target.closest("a, button")) seek(t);
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && e.target.matches && e.target.matches(".turn[data-offset-ms]")) seek(e.target);
    });

    var current = null;
    function highlight() {
      var now = audio.currentTime * 1000, pick = null;
      list.forEach(function (t) {
        if (parseInt(t.getAttribute("data-offset-ms"), 10) <= now + 50) pick = t;
      });
      if (pick === current) return;
      if (current) current.classList.remove("playing");
      current = pick;
      if (current) {
        current.classList.add("playing");
        if (!audio.paused && current.scrollIntoView) current.scrollIntoView({ block: "nearest", behavior: "smooth" });
      }
    }
    audio.addEventListener("timeupdate", highlight);
    audio.addEventListener("seeked", highlight);
  }

  // j / k: next / previous call; space: play or pause. Not while typing.
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) return;
    var audio = document.getElementById("call-audio");
    if (e.key === "j" || e.key === "k") {
      var a = document.getElementById(e.key === "j" ? "call-next" : "call-prev");
      if (a) { e.preventDefault(); window.location.assign(a.href); }
    } else if ((e.key === " " || e.code === "Space") && audio && !(t && t.tagName === "AUDIO")) {
      e.preventDefault();
      if (audio.paused) { var p = audio.play(); if (p && p.catch) p.catch(function () {}); } else audio.pause();
    }
  });

  // Export: show progress until the file is complete; meanwhile ask how
  // many rows are written (export-progress) and say so. The export streams,
  // so its answer (which sets the cookie export_done to the token of this
  // download) starts the download long before the end: the count goes on
  // until export-progress says done (or, without counts, until the cookie).
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-export]");
    if (!a) return;
    var token = Math.random().toString(36).slice(2, 12);
    var u = new URL(a.href, window.location.href);
    u.searchParams.set("t", token);
    a.href = u.pathname + u.search;
    var note = document.querySelector("[data-export-progress]");
    if (!note) return;
    var plain = note.textContent, fmt = note.getAttribute("data-count-format") || "";
    var progress = u.pathname.replace(/\/export\.xlsx$/, "/export-progress") + "?t=" + token;
    note.hidden = false;
    a.setAttribute("aria-disabled", "true");
    var tries = 0, asking = false, finished = false, started = false, untracked = false;
    var timer = setInterval(function () {
      tries++;
      started = started || document.cookie.indexOf("export_done=" + token) >= 0;
      if ((started && (finished || untracked || !fmt || !window.fetch)) || tries > 1200) {
        clearInterval(timer);
        note.hidden = true;
        note.textContent = plain;
        a.removeAttribute("aria-disabled");
        return;
      }
      if (tries % 2 || asking || !fmt || !window.fetch) return;
      asking = true;
      var afterStart = started;
      fetch(progress, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (p && p.done) finished = true;
          if (afterStart && (!p || (!p.done && p.total === 0 && p.rows === 0))) untracked = true; // no count kept for this one
          if (p && p.total > 0) note.textContent = fmt.replace("%d", String(p.rows)).replace("%d", String(p.total));
        })
        .catch(function () {})
        .then(function () { asking = false; });
    }, 500);
  });
})();
