// authkeep console: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";

  // Copy buttons: shown only when scripting works; copy their data-copy value.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
    return Promise.resolve();
  }

  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    button.hidden = false;
    var label = button.firstChild.nodeValue;
    button.addEventListener("click", function () {
      copyText(button.getAttribute("data-copy")).then(function () {
        button.classList.add("done");
        button.firstChild.nodeValue = "Copied";
        setTimeout(function () { button.classList.remove("done"); button.firstChild.nodeValue = label; }, 1500);
      });
    });
  });

  // Confirm before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); event.stopImmediatePropagation(); }
    });
  });

  // Progress: a busy bar and a disabled submit button while a form is on its way.
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      var button = event.submitter || form.querySelector("button[type=submit]");
      if (button && form.method.toLowerCase() === "post") {
        setTimeout(function () { button.disabled = true; }, 0);
        button.setAttribute("aria-busy", "true");
      }
      if (!document.querySelector(".busy-bar")) {
        var bar = document.createElement("div");
        bar.className = "busy-bar";
        bar.setAttribute("role", "progressbar");
        bar.setAttribute("aria-label", "Working");
        document.body.appendChild(bar);
      }
    });
  });

  // Show the type-specific fields of the create-application form.
  var types = document.querySelectorAll("input[name=type]");
  function syncTypes() {
    var chosen = document.querySelector("input[name=type]:checked");
    document.querySelectorAll("[data-show-for]").forEach(function (block) {
      var show = chosen && block.getAttribute("data-show-for").split(" ").indexOf(chosen.value) >= 0;
      block.hidden = !show;
    });
  }
  types.forEach(function (input) { input.addEventListener("change", syncTypes); });
  if (types.length) { syncTypes(); }

  // "Go back" buttons on error pages.
  document.querySelectorAll("button[data-back]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { history.back(); });
  });

  // Pages restored from the back/forward cache must not keep a busy state.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll(".busy-bar").forEach(function (bar) { bar.remove(); });
    document.querySelectorAll("button[aria-busy]").forEach(function (b) { b.disabled = false; b.removeAttribute("aria-busy"); });
  });
})();
