/* DFRAS dashboard behaviour: charts, the phone menu, fragments loaded after the page, the ask
   box. Everything here enhances pages that already work without it. */
(function () {
  "use strict";

  var FONT = { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 12, color: "#1b1f24" };

  function draw(el) {
    if (el.hasAttribute("data-drawn")) return;
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    var layout = Object.assign({
      font: FONT, margin: { l: 48, r: 12, t: 12, b: 40 }, paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)", showlegend: false, autosize: true, dragmode: false
    }, spec.layout || {});
    Plotly.newPlot(el, spec.data, layout, { responsive: true, displaylogo: false, displayModeBar: false });
    el.setAttribute("data-drawn", String(Math.round(performance.now())));  /* ms since navigation */
    if (el.hasAttribute("data-drill")) {
      el.on("plotly_click", function (ev) {
        var p = ev.points && ev.points[0];
        if (p && p.customdata) window.location.href = p.customdata;
      });
    }
  }

  /* Charts are drawn as they come near the viewport: a page with many charts shows its first
     screen without waiting for the ones further down. */
  var observer = ("IntersectionObserver" in window) ? new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      if (e.isIntersecting) { observer.unobserve(e.target); draw(e.target); }
    });
  }, { rootMargin: "200px 0px" }) : null;

  function drawCharts(root) {
    if (!window.Plotly) return;
    var plots = (root || document).querySelectorAll(".plot[data-chart]:not([data-drawn])");
    Array.prototype.forEach.call(plots, function (el) {
      if (observer) observer.observe(el); else draw(el);
    });
  }

  /* Every chart now (printing, screenshots). */
  window.dfras = {
    drawAll: function () {
      if (!window.Plotly) return 0;
      var plots = document.querySelectorAll(".plot[data-chart]:not([data-drawn])");
      Array.prototype.forEach.call(plots, draw);
      return document.querySelectorAll(".plot[data-drawn]").length;
    }
  };
  window.addEventListener("beforeprint", function () { window.dfras.drawAll(); });

  function navToggle() {
    var button = document.querySelector(".nav-toggle");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) return;
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  /* <div data-fragment="/url"> is replaced by the HTML at /url (a slow analysis that should
     not hold the page back); its link stays as the no-script path. */
  function loadFragments() {
    var holders = document.querySelectorAll("[data-fragment]");
    Array.prototype.forEach.call(holders, function (el) {
      var url = el.getAttribute("data-fragment");
      el.setAttribute("aria-busy", "true");
      fetch(url, { headers: { "X-Fragment": "1" } })
        .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, text: t }; }); })
        .then(function (res) {
          el.innerHTML = res.text;
          el.removeAttribute("aria-busy");
          el.setAttribute("data-loaded", res.ok ? "ok" : "error");
          drawCharts(el);
        })
        .catch(function () {
          el.removeAttribute("aria-busy");
          el.setAttribute("data-loaded", "error");
        });
    });
  }

  /* Example questions fill the ask box. */
  function askExamples() {
    var box = document.getElementById("question");
    if (!box) return;
    document.querySelectorAll("[data-question]").forEach(function (b) {
      b.addEventListener("click", function () {
        box.value = b.getAttribute("data-question");
        box.focus();
      });
    });
    var form = box.form;
    if (form) {
      form.addEventListener("submit", function () {
        var status = document.getElementById("ask-status");
        if (status) status.textContent = "Working on it…";
      });
    }
  }

  function start() {
    navToggle();
    askExamples();
    loadFragments();
    if (window.Plotly) drawCharts(document);
    else window.addEventListener("load", function () { drawCharts(document); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
