// 在线访谈 live page: opens an EventSource on the session's stream and inserts new questions and answers without
// reloading. Each "question" event carries the whole public question (masked by the server), so an item received
// twice (a reconnection to another process) is simply written again. The browser reconnects by itself and sends
// Last-Event-ID, so nothing is missed. Without JavaScript the page still shows everything on reload.
(function () {
  "use strict";
  var list = document.getElementById("questions");
  if (!list || !window.EventSource) { return; }
  var empty = document.getElementById("no-questions");
  var state = document.getElementById("live-state");
  var badge = document.getElementById("interview-status");
  var id = list.getAttribute("data-interview");
  var after = list.getAttribute("data-last-event") || "0";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function labelled(cls, label, text) {
    var node = el("div", cls);
    node.appendChild(el("strong", "", label));
    node.appendChild(document.createTextNode(text));
    return node;
  }

  function build(q) {
    var item = el("li", "card interview-question");
    item.id = "q-" + q.id;
    item.setAttribute("data-position", String(q.position));
    var meta = el("div", "muted");
    meta.appendChild(el("span", "q-asker", q.asker));
    meta.appendChild(document.createTextNode(" · " + q.asked_at));
    if (q.merged_count) {
      meta.appendChild(document.createTextNode(" · "));
      meta.appendChild(el("span", "badge q-merged", "另有 " + q.merged_count + " 位网友问了相似问题"));
    }
    item.appendChild(meta);
    var body = labelled("body-text q-body", "问：", q.body);
    item.appendChild(body);
    var answers = el("div", "q-answers");
    if (!q.answers.length) {
      var waiting = q.case_id ? "访谈中未答复，已转为办件继续办理（办件编号 " + q.case_id + "）" : "等待嘉宾答复";
      answers.appendChild(el("p", "muted q-waiting", waiting));
    }
    q.answers.forEach(function (a) {
      var box = el("div", "reply interview-answer");
      box.id = "a-" + a.id;
      box.appendChild(el("div", "muted", a.guest + " · " + a.at));
      box.appendChild(labelled("body-text", "答：", a.body));
      answers.appendChild(box);
    });
    item.appendChild(answers);
    return item;
  }

  function place(item, position) {
    var siblings = list.children;
    for (var i = 0; i < siblings.length; i += 1) {
      var other = siblings[i];
      var p = Number(other.getAttribute("data-position"));
      if (other !== item && (p > position || (p === position && other.id > item.id))) {
        list.insertBefore(item, other);
        return;
      }
    }
    list.appendChild(item);
  }

  function upsert(q) {
    var old = document.getElementById("q-" + q.id);
    if (!q.visible) {
      if (old) { old.remove(); }
    } else {
      var item = build(q);
      if (old) { old.replaceWith(item); }
      place(item, q.position);
    }
    if (empty) { empty.hidden = list.children.length > 0; }
  }

  var source = new EventSource("/interviews/" + id + "/events?after=" + encodeURIComponent(after));
  source.addEventListener("open", function () { if (state) { state.textContent = "· 实时更新中"; } });
  source.addEventListener("error", function () { if (state) { state.textContent = "· 正在重新连接…"; } });
  source.addEventListener("question", function (event) { upsert(JSON.parse(event.data)); });
  source.addEventListener("status", function (event) {
    var data = JSON.parse(event.data);
    if (badge) { badge.textContent = data.name; badge.className = "badge status-" + data.status; }
    var heading = document.getElementById("qa-heading");
    if (heading && heading.getAttribute("data-" + data.status)) {
      heading.textContent = heading.getAttribute("data-" + data.status);
    }
    if (data.status === "ended") {
      var form = document.getElementById("ask");
      if (form) { form.hidden = true; }
    }
  });
}());
