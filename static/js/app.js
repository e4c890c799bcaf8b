/* TPS Khusus: small progressive enhancements, no external libraries. */
(function () {
  "use strict";

  function pollJob(el) {
    var url = el.getAttribute("data-progress-url");
    var doneUrl = el.getAttribute("data-done-url");
    var bar = el.querySelector("progress");
    var pct = el.querySelector(".job-percent");
    var status = el.querySelector(".job-status");
    var message = el.querySelector(".job-message");
    var count = el.querySelector(".job-count");
    var error = el.querySelector(".job-error");
    // A job that had already finished when the page was drawn needs no polling (and reloading
    // the page for it would reload it forever).
    if (/\bstatus-(done|failed)\b/.test(status.className)) { return; }
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) {
          bar.value = data.percent;
          bar.textContent = data.percent + "%";
          pct.textContent = data.percent + "%";
          status.textContent = data.status_label;
          status.className = "job-status status-" + data.status;
          message.textContent = data.message || "";
          count.textContent = data.total ? data.done + " / " + data.total : "";
          if (data.error) { error.textContent = data.error; error.hidden = false; }
          if (data.finished) {
            if (doneUrl && data.status === "done") { window.location.assign(doneUrl); }
            else if (el.hasAttribute("data-reload")) { window.location.reload(); }
            return;
          }
          window.setTimeout(tick, 1000);
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    tick();
  }

  function confirmForms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  }

  // A "select all" box ticks every checkbox of its form named by data-select-all; it is
  // hidden until this script runs, and follows the boxes when they are ticked one by one.
  function selectAllBoxes() {
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var form = all.form;
      var name = all.getAttribute("data-select-all");
      function boxes() { return form.querySelectorAll('input[type="checkbox"][name="' + name + '"]'); }
      function follow() {
        var list = boxes(), ticked = 0;
        list.forEach(function (b) { if (b.checked) { ticked += 1; } });
        all.checked = list.length > 0 && ticked === list.length;
        all.indeterminate = ticked > 0 && ticked < list.length;
        var count = document.getElementById(all.getAttribute("aria-controls") || "");
        if (count) { count.textContent = String(ticked); }
      }
      all.addEventListener("change", function () {
        boxes().forEach(function (b) { b.checked = all.checked; });
        follow();
      });
      boxes().forEach(function (b) { b.addEventListener("change", follow); });
      all.closest("[hidden]") && all.closest("[hidden]").removeAttribute("hidden");
      all.hidden = false;
      follow();
    });
  }

  // A table wider than the screen scrolls sideways inside its .table-wrap: make that region
  // reachable with the keyboard and name it, so it can be scrolled without a mouse (WCAG 2.1.1).
  function scrollRegions() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth <= wrap.clientWidth + 1) { return; }
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      if (!wrap.hasAttribute("aria-label")) {
        var caption = wrap.querySelector("caption");
        var section = wrap.closest("section");
        var heading = section && section.querySelector("h2, h3");
        var name = (caption || heading || {}).textContent || "Tabel";
        wrap.setAttribute("aria-label", name.trim() + " (geser ke samping)");
      }
    });
  }

  // A picker that takes effect on choosing (the top bar's facility): its button stays for
  // browsers without script.
  function autoSubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    scrollRegions();
    autoSubmit();
    document.querySelectorAll("[data-progress-url]").forEach(pollJob);
    confirmForms();
    printButtons();
    selectAllBoxes();
  });
})();
