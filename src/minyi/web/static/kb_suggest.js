// While a citizen types a message, show knowledge-base answers (常见问题) that may already answer it, each with a
// "这解决了我的问题" button: a question answered without a case is counted (once per entry per browser session).
// Progressive enhancement: without JavaScript the form works exactly the same, and /knowledge can be searched.
(function () {
  "use strict";
  var form = document.querySelector("form[action='/messages']");
  var box = document.getElementById("kb-answers");
  if (!form || !box || !window.fetch) { return; }
  var title = form.querySelector("#title");
  var body = form.querySelector("#body");
  var timer = null;
  var last = "";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function counted(id) {
    try { return window.sessionStorage.getItem("kb-helped-" + id) === "1"; } catch (e) { return false; }
  }

  function helped(item, button) {
    button.disabled = true;
    var done = function () {
      try { window.sessionStorage.setItem("kb-helped-" + item.id, "1"); } catch (e) { /* private mode */ }
      var note = el("p", {"class": "notice", role: "status"}, "感谢反馈！问题已解决，无需再提交留言。");
      button.parentNode.replaceChild(note, button);
    };
    if (counted(item.id)) { done(); return; }
    fetch("/api/v1/knowledge/" + item.id + "/helpful", {method: "POST", credentials: "same-origin"})
      .then(function (r) { if (r.ok) { done(); } else { button.disabled = false; } })
      .catch(function () { button.disabled = false; });
  }

  function render(items) {
    box.textContent = "";
    if (!items.length) { box.hidden = true; return; }
    box.hidden = false;
    box.appendChild(el("h2", {}, "可能已有答案"));
    box.appendChild(el("p", {"class": "muted"}, "以下常见问题也许能解答您的疑问；如果已经解决，可以不必留言。"));
    var list = el("ul", {"class": "similar-list kb-list"});
    items.forEach(function (item) {
      var li = el("li");
      li.appendChild(el("a", {href: item.url, target: "_blank", rel: "noopener"}, item.question));
      if (item.department) { li.appendChild(el("span", {"class": "muted"}, " · " + item.department)); }
      li.appendChild(el("p", {"class": "kb-answer"}, item.answer));
      var button = el("button", {type: "button", "class": "small secondary kb-helpful"}, "这解决了我的问题");
      button.addEventListener("click", function () { helped(item, button); });
      li.appendChild(button);
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  function lookup() {
    var text = (title.value + "\n" + body.value).trim();
    if (text.length < 4 || text === last) { return; }
    last = text;
    fetch("/api/v1/knowledge/search?text=" + encodeURIComponent(text.slice(0, 1000)), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(render)
      .catch(function () { /* answers are optional: the form still works */ });
  }

  function schedule() { clearTimeout(timer); timer = setTimeout(lookup, 500); }
  title.addEventListener("input", schedule);
  body.addEventListener("input", schedule);
})();
