// Reply quality check on the case page: "检查答复" posts the draft and shows the verdicts under the form,
// and a picker fills the draft from a reply template that fits the case.
// Progressive enhancement: without JavaScript the button submits to the check page, and the template link
// opens the list of templates; both lead back to a publish button.
(function () {
  "use strict";
  var form = document.getElementById("form-reply");
  var button = document.getElementById("reply-check-button");
  var box = document.getElementById("reply-check-result");
  var draft = document.getElementById("reply-body");
  if (!form || !button || !box || !draft || !window.fetch || !window.DOMParser) { return; }

  button.addEventListener("click", function (event) {
    event.preventDefault();
    box.textContent = "检查中…";
    fetch(button.getAttribute("formaction"), { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var found = page.getElementById("reply-check-findings") || page.querySelector("main") || page.body;
        box.textContent = "";
        box.appendChild(document.importNode(found, true));
      })
      .catch(function () { box.textContent = "检查失败，请稍后重试或点击按钮在新页面查看。"; });
  });

  var link = document.getElementById("reply-template-link");
  if (!link) { return; }
  fetch(link.getAttribute("href") + "?format=json", { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : []; })
    .then(function (items) {
      if (!items.length) {  // nothing fits this case yet: say so, and where to write one (a new tab: the draft stays)
        link.textContent = "暂无适用于本件的答复模板，去新建模板";
        link.setAttribute("href", "/staff/reply-templates");
        return;
      }
      link.textContent = "管理答复模板";
      link.setAttribute("href", "/staff/reply-templates");
      var label = document.createElement("label");
      label.setAttribute("for", "reply-template-picker");
      label.textContent = "答复模板";
      var select = document.createElement("select");
      select.id = "reply-template-picker";
      var empty = document.createElement("option");
      empty.value = "";
      empty.textContent = "选择模板填入答复…";
      select.appendChild(empty);
      items.forEach(function (item) {
        var option = document.createElement("option");
        option.value = String(item.id);
        option.textContent = item.title;
        select.appendChild(option);
      });
      select.addEventListener("change", function () {
        var chosen = items.filter(function (item) { return String(item.id) === select.value; })[0];
        if (chosen && (!draft.value.trim() || window.confirm("用模板替换当前的答复内容？"))) { draft.value = chosen.body; }
      });
      draft.parentNode.insertBefore(label, draft);
      draft.parentNode.insertBefore(select, draft);
    })
    .catch(function () { /* the link still works */ });
}());
