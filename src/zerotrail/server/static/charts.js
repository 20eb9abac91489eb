// Draws each [data-chart] figure with vega-embed from the Vega-Lite spec in its data block:
// the wide variant where the figure has room for it, else the phone variant. `ast: true` makes
// Vega interpret its expressions instead of compiling them with Function(), which the page's
// Content-Security-Policy (no 'unsafe-eval') forbids. No default style sheet and no tooltips
// (each adds an inline <style>, which the policy forbids too), and no actions menu (it would
// offer to open the Vega editor online).
"use strict";
(function () {
  var WIDE = 640; // reports/charts.py WIDTH
  function draw() {
    document.querySelectorAll("[data-chart]").forEach(function (figure) {
      var which = figure.clientWidth >= WIDE ? "data-wide" : "data-narrow";
      var spec = JSON.parse(document.getElementById(figure.getAttribute(which)).textContent);
      window
        .vegaEmbed(figure, spec, {
          ast: true,
          actions: false,
          renderer: "svg",
          defaultStyle: false,
          tooltip: false,
        })
        .then(function () {
          figure.setAttribute("data-drawn", which.slice(5));
        })
        .catch(function (error) {
          figure.setAttribute("data-drawn", "error");
          figure.textContent = "The chart could not be drawn (" + error.message + "); the table has its figures.";
        });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
