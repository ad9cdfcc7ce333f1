// The 复制链接 button of the 代录入 confirmation: copies the tracking link (the button stays hidden without
// JavaScript; the link can still be selected in its field). The clipboard API needs a secure context (https or
// localhost): elsewhere, on a closed network over http, the field is selected and copied the older way.
(function () {
  "use strict";
  var button = document.getElementById("copy-link");
  var status = document.getElementById("copy-status");
  if (!button) { return; }
  var field = document.getElementById(button.getAttribute("data-copy"));
  if (!field) { return; }
  button.hidden = false;

  function done(ok) {
    if (status) { status.textContent = ok ? "已复制到剪贴板" : "无法自动复制：请选中链接后按 Ctrl+C 复制"; }
  }

  function fallback() {
    field.focus();
    field.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    done(ok);
  }

  button.addEventListener("click", function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  });
  field.addEventListener("focus", function () { field.select(); });
})();
