// Shows the server's toasts after every page load and htmx swap.
(function () {
  function showToasts(root) {
    if (!window.bootstrap) return;
    root.querySelectorAll(".toast[data-autoshow]").forEach(function (element) {
      element.removeAttribute("data-autoshow");
      window.bootstrap.Toast.getOrCreateInstance(element, { delay: 6000 }).show();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { showToasts(document); });
  document.addEventListener("htmx:load", function (event) { showToasts(event.target); });
})();
