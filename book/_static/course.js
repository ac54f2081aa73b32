// Tables that scroll inside their box (course.css) must be reachable from the keyboard
// (WCAG 2.1.1; axe-core's scrollable-region-focusable): each one that overflows gets a tab stop
// and a name, so a keyboard user can focus it and scroll with the arrow keys.
(function () {
  var SELECTOR = "div.cell_output table, article table, div.cell_output div.output";
  function label() {
    document.querySelectorAll(SELECTOR).forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        if (!box.hasAttribute("aria-label") && box.tagName !== "TABLE") {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", "Scrollable output");
        }
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", label);
  } else {
    label();
  }
  window.addEventListener("resize", label);
})();
