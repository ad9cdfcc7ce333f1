// While a citizen types a message, show existing cases that look like the same problem (可能相同的问题),
// each with a 附议 button, so that one problem gathers many voices instead of many messages.
// Progressive enhancement: without JavaScript the form works exactly the same.
(function () {
  "use strict";
  var form = document.querySelector("form[action='/messages']");
  var box = document.getElementById("similar");
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

  function render(items) {
    box.textContent = "";
    if (!items.length) { box.hidden = true; return; }
    box.hidden = false;
    box.appendChild(el("h2", {}, "可能相同的问题"));
    box.appendChild(el("p", {"class": "muted"}, "如果是同一个问题，点“附议”即可表达您的诉求，不必重复留言。"));
    var list = el("ul", {"class": "similar-list"});
    items.forEach(function (item) {
      var li = el("li");
      li.appendChild(el("a", {href: "/cases/" + item.id, target: "_blank", rel: "noopener"}, item.title));
      li.appendChild(el("span", {"class": "muted"}, " · " + item.status_name + " · 附议 " + item.supports));
      // the panel sits inside the message form, right above its submit button (where a citizen looks before
      // sending): each 附议 is a button of that form that posts it, with its CSRF token, to the case instead
      li.appendChild(el("button", {type: "submit", "class": "small secondary", formaction: "/cases/" + item.id + "/support",
                                   formmethod: "post", formnovalidate: "formnovalidate"}, "附议"));
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  function lookup() {
    var text = (title.value + "\n" + body.value).trim();
    if (text.length < 8 || text === last) { return; }
    last = text;
    fetch("/api/v1/similar?text=" + encodeURIComponent(text.slice(0, 1000)), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(render)
      .catch(function () { /* suggestions are optional: the form still works */ });
  }

  function schedule() { clearTimeout(timer); timer = setTimeout(lookup, 500); }
  title.addEventListener("input", schedule);
  body.addEventListener("input", schedule);
})();
