// While a citizen types a message, two panels help before anything is sent, both from one debounced timer:
// - 可能相同的问题 (#similar): existing cases that look like the same problem, each with a 附议 button, so that one
//   problem gathers many voices instead of many messages;
// - 可能已有答案 (#kb-answers): knowledge-base answers (常见问题) that may already answer it, each with a
//   "这解决了我的问题" button: a question answered without a case is counted (once per entry per browser session).
// Progressive enhancement: without JavaScript the form works exactly the same, and /knowledge can be searched.
(function () {
  "use strict";
  var form = document.querySelector("form[action='/messages']");
  if (!form || !window.fetch) { return; }
  var title = form.querySelector("#title");
  var body = form.querySelector("#body");
  if (!title || !body) { return; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function panel(box, heading, hint, listClass, items, row) {
    box.textContent = "";
    if (!items.length) { box.hidden = true; return; }
    box.hidden = false;
    box.appendChild(el("h2", {}, heading));
    box.appendChild(el("p", {"class": "muted"}, hint));
    var list = el("ul", {"class": listClass});
    items.forEach(function (item) { list.appendChild(row(item)); });
    box.appendChild(list);
  }

  function similarRow(item) {
    var li = el("li");
    li.appendChild(el("a", {href: "/cases/" + item.id, target: "_blank", rel: "noopener"}, item.title));
    li.appendChild(el("span", {"class": "muted"}, " · " + item.status_name + " · 附议 " + item.supports));
    // the panel sits inside the message form, right above its submit button (where a citizen looks before
    // sending): each 附议 is a button of that form that posts it, with its CSRF token, to the case instead
    li.appendChild(el("button", {type: "submit", "class": "small secondary", formaction: "/cases/" + item.id + "/support",
                                 formmethod: "post", formnovalidate: "formnovalidate"}, "附议"));
    return li;
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

  function answerRow(item) {
    var li = el("li");
    li.appendChild(el("a", {href: item.url, target: "_blank", rel: "noopener"}, item.question));
    if (item.department) { li.appendChild(el("span", {"class": "muted"}, " · " + item.department)); }
    li.appendChild(el("p", {"class": "kb-answer"}, item.answer));
    var button = el("button", {type: "button", "class": "small secondary kb-helpful"}, "这解决了我的问题");
    button.addEventListener("click", function () { helped(item, button); });
    li.appendChild(button);
    return li;
  }

  // Each panel asks its own endpoint, from a minimum length, and only when the text changed since it last asked.
  var panels = [
    {box: document.getElementById("similar"), url: "/api/v1/similar?text=", min: 8, last: "",
     show: function (box, items) {
       panel(box, "可能相同的问题", "如果是同一个问题，点“附议”即可表达您的诉求，不必重复留言。", "similar-list", items, similarRow);
     }},
    {box: document.getElementById("kb-answers"), url: "/api/v1/knowledge/search?text=", min: 4, last: "",
     show: function (box, items) {
       panel(box, "可能已有答案", "以下常见问题也许能解答您的疑问；如果已经解决，可以不必留言。", "similar-list kb-list", items,
             answerRow);
     }}
  ].filter(function (p) { return p.box; });
  if (!panels.length) { return; }

  function lookup() {
    var text = (title.value + "\n" + body.value).trim();
    panels.forEach(function (p) {
      if (text.length < p.min || text === p.last) { return; }
      p.last = text;
      fetch(p.url + encodeURIComponent(text.slice(0, 1000)), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) { p.show(p.box, items); })
        .catch(function () { /* help is optional: the form still works */ });
    });
  }

  var timer = null;
  function schedule() { clearTimeout(timer); timer = setTimeout(lookup, 500); }
  title.addEventListener("input", schedule);
  body.addEventListener("input", schedule);
})();
