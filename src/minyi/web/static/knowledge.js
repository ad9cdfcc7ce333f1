// Staff pages of the knowledge base and explanations: "全选" ticks every message an explanation may answer, and
// "插入答复" copies a knowledge-base answer into the reply being written on the case page.
// Progressive enhancement: without JavaScript each box is ticked by hand and the entry's page can be opened.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-select-all]"), function (all) {
    var name = all.getAttribute("data-select-all");
    var boxes = document.querySelectorAll("input[type=checkbox][name='" + name + "']");
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(boxes, function (box) { box.checked = all.checked; });
    });
  });
  var draft = document.getElementById("reply-body");
  Array.prototype.forEach.call(document.querySelectorAll("[data-insert-answer]"), function (button) {
    if (!draft) { button.hidden = true; return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-insert-answer"));
      if (!source) { return; }
      var text = source.textContent.trim();
      draft.value = draft.value.trim() ? draft.value.replace(/\s+$/, "") + "\n\n" + text : text;
      draft.focus();
    });
  });
}());
