// transpub review editor: save entries in place, and Ctrl+Enter to save, approve and move on.
// Without this script every form still works (the server redirects back to the entry).
"use strict";

(function () {
  function swap(html) {
    // Replace the page's elements by the fragment's elements of the same id (server-escaped HTML).
    var doc = new DOMParser().parseFromString(html, "text/html");
    // A copy: moving an element into the page takes it out of the live `children` list.
    Array.prototype.slice.call(doc.body.children).forEach(function (fresh) {
      var old = fresh.id && document.getElementById(fresh.id);
      if (old) { old.replaceWith(fresh); }
    });
    reveal();
  }

  function reveal() {
    // The "use this suggestion" buttons need this script: show them only when it runs.
    Array.prototype.forEach.call(document.querySelectorAll("button.use, button.copy, button.insert, button.mt"), function (b) { b.hidden = false; });
    Array.prototype.forEach.call(document.querySelectorAll(".entry .source .text:not([data-marked])"), markSource);
    Array.prototype.forEach.call(document.querySelectorAll(".entry form.target textarea"), backdrop);
  }

  // Markup a translation must keep, shown apart from the words: code, link and image syntax,
  // URLs, footnote references, HTML tags and entities, emphasis marks, escapes, math.
  var MARKUP = /(`+)[^`]*?\1|!?\[(?=(?:[^\[\]]|\[[^\]]*\])*\]\()|\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+"[^"]*")?\)|\]\[[^\]]*\]|\[\^[^\]\s]+\]|<https?:\/\/[^>\s]+>|<\/?[A-Za-z][^<>]*>|https?:\/\/[^\s<>()（）【】「」“”，。、；：！？]+|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);|\*\*|__|~~|\*|\\[\\`*_{}\[\]()#+\-.!|<>~]|\$[^$\n]+\$/g;

  function kindOf(text) {
    var c = text.charAt(0);
    if (c === "`") { return "code"; }
    if (c === "<" || c === "&") { return "tag"; }
    if (c === "h") { return "url"; }
    if (c === "\\") { return "escape"; }
    if (c === "$") { return "math"; }
    if (c === "*" || c === "_" || c === "~") { return "format"; }
    return "link";
  }

  function pieces(text) {
    // [text, kind or null] runs covering the whole text.
    var out = [], at = 0, m;
    MARKUP.lastIndex = 0;
    while ((m = MARKUP.exec(text)) !== null) {
      if (!m[0]) { MARKUP.lastIndex++; continue; }
      if (m.index > at) { out.push([text.slice(at, m.index), null]); }
      out.push([m[0], kindOf(m[0])]);
      at = m.index + m[0].length;
    }
    if (at < text.length) { out.push([text.slice(at), null]); }
    return out;
  }

  function highlighted(text) {
    var frag = document.createDocumentFragment();
    pieces(text).forEach(function (run) {
      if (!run[1]) { frag.appendChild(document.createTextNode(run[0])); return; }
      var span = document.createElement("span");
      span.className = "ph ph-" + run[1];
      span.title = "markup: keep it in the translation · 标记，请保留";
      span.textContent = run[0];
      frag.appendChild(span);
    });
    return frag;
  }

  function markSource(element) {
    // Text nodes only (glossary marks stay as they are); the text itself is unchanged.
    element.dataset.marked = "1";
    var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT), nodes = [], node;
    while ((node = walker.nextNode())) { nodes.push(node); }
    nodes.forEach(function (text) {
      if (pieces(text.data).some(function (run) { return run[1]; })) {
        text.parentNode.replaceChild(highlighted(text.data), text);
      }
    });
  }

  // The translation's markup: a copy of the text behind the (transparent) text area, with the
  // markup highlighted, kept in step with typing and scrolling.
  function backdrop(area) {
    if (area.parentNode.classList.contains("marked-area")) { paint(area); return; }
    var wrap = document.createElement("div");
    wrap.className = "marked-area";
    var back = document.createElement("div");
    back.className = "backdrop";
    back.setAttribute("aria-hidden", "true");
    area.parentNode.insertBefore(wrap, area);
    wrap.appendChild(back);
    wrap.appendChild(area);
    var style = window.getComputedStyle(area);
    ["paddingTop", "paddingRight", "paddingBottom", "paddingLeft", "borderTopWidth", "borderRightWidth",
      "borderBottomWidth", "borderLeftWidth", "fontFamily", "fontSize", "fontWeight", "lineHeight",
      "letterSpacing"].forEach(function (name) { back.style[name] = style[name]; });
    area.addEventListener("scroll", function () { back.scrollTop = area.scrollTop; });
    paint(area);
  }

  function paint(area) {
    var back = area.parentNode.querySelector(".backdrop");
    if (!back) { return; }
    back.textContent = "";
    back.appendChild(highlighted(area.value + "\n"));
    back.scrollTop = area.scrollTop;
  }

  function nextTextArea(entry) {
    var all = Array.prototype.slice.call(document.querySelectorAll(".entry form.target textarea"));
    var here = entry.querySelector("form.target textarea");
    return all[all.indexOf(here) + 1] || null;
  }

  function goNext(id) {
    var entry = document.getElementById(id);
    var next = entry && nextTextArea(entry);
    if (next) {
      next.focus();
      next.scrollIntoView({ block: "center" });
    } else {
      var more = document.querySelector(".pager a[rel=next]");
      if (more) { window.location.href = more.href; }
    }
  }

  function post(url, data) {
    // The editor's own requests: the server answers them with fragments or JSON, not pages.
    return fetch(url, {
      method: "POST",
      body: data,
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    });
  }

  function submit(form, button, advance) {
    var data = new URLSearchParams(new FormData(form));
    if (button && button.name) { data.set(button.name, button.value); }
    var entry = form.closest(".entry");
    var id = entry.id;
    var status = form.querySelector(".status");
    status.textContent = "Saving… 保存中";
    // form.action would be the button named "action", not the attribute.
    post(form.getAttribute("action"), data).then(function (response) {
      return response.text().then(function (body) {
        var doc = new DOMParser().parseFromString(body, "text/html");
        var fragment = doc.getElementById(id) !== null;  // else an error page
        if (fragment && (response.status === 200 || response.status === 202 || response.status === 409)) {
          // 202: the entry is reviewed, and the text was kept as a suggestion for a reviewer.
          swap(body);
          if (response.status !== 409 && advance) { goNext(id); }
          else { var t = document.querySelector("#" + id + " form.target textarea"); if (t) { t.focus(); } }
        } else {
          // Refused (an untranslated entry cannot be approved, a lost session…): say why here.
          var message = doc.querySelector(".error");
          status.textContent = (message ? message.textContent : response.status + " " + response.statusText);
          status.classList.add("refused");
        }
      });
    }).catch(function () {
      leaving = true;
      form.submit(); // network trouble: fall back to a plain form post
    });
  }

  // Unsaved text: an entry whose text area differs from the text it was based on.
  var leaving = false;
  function dirty(area) {
    var base = area.form && area.form.querySelector("input[name=base]");
    if (!base) { return false; }
    try { return area.value.replace(/\r\n?/g, "\n") !== JSON.parse(base.value); }
    catch (e) { return false; }
  }
  function anyDirty() {
    return Array.prototype.some.call(document.querySelectorAll(".entry form.target textarea"), dirty);
  }
  window.addEventListener("beforeunload", function (event) {
    if (leaving || !anyDirty()) { return; }
    event.preventDefault();
    event.returnValue = "";  // the browser asks whether to leave and lose the unsaved text
  });
  document.addEventListener("input", function (event) {
    var area = event.target;
    if (!area.matches || !area.matches(".entry form.target textarea")) { return; }
    var status = area.form.querySelector(".status");
    status.classList.remove("refused");
    status.textContent = dirty(area) ? "Unsaved · 未保存" : "";
    var count = area.form.querySelector(".count");
    if (count) { count.textContent = area.value.length + " / " + count.dataset.source + " characters"; }
    paint(area);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches(".entry form.target")) { return; }
    event.preventDefault();
    var button = event.submitter;
    submit(form, button, !!button && (button.value === "approve" || button.value === "save-next"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) { return; }
    var area = event.target;
    if (!area.matches || !area.matches(".entry form.target textarea")) { return; }
    event.preventDefault();
    var form = area.form;
    var button = form.querySelector("button[value=approve]") || form.querySelector("button[value=save]");
    submit(form, button, true);
  });

  // Translation-memory matches of the entry being worked on, fetched when it gets the focus.
  document.addEventListener("focusin", function (event) {
    var area = event.target;
    if (!area.matches || !area.matches(".entry form.target textarea")) { return; }
    var slot = area.form.querySelector(".tm[data-src]");
    if (!slot || slot.dataset.loading) { return; }
    slot.dataset.loading = "1";
    fetch(slot.dataset.src, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (body) { if (body) { swap(body); } });
  });

  function changed(area) {
    area.dispatchEvent(new Event("input", { bubbles: true }));
    area.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.use, button.copy, button.insert");
    if (!button) { return; }
    var area = button.closest(".entry").querySelector("form.target textarea");
    if (button.matches(".insert")) {
      // A glossary term goes where the cursor is, replacing any selection.
      var start = area.selectionStart, end = area.selectionEnd, text = button.dataset.text;
      area.value = area.value.slice(0, start) + text + area.value.slice(end);
      area.selectionStart = area.selectionEnd = start + text.length;
    } else if (button.matches(".copy")) {
      // The source as shown (its text, without the glossary marks), to edit in place.
      area.value = button.closest(".entry").querySelector(".source .text").textContent;
    } else {
      area.value = button.dataset.text;  // a memory match
    }
    changed(area);
  });

  // Machine translation of one entry: the engine's answer goes into the text area, unsaved.
  function refused(status, text) {
    status.textContent = text;
    status.classList.add("refused");
  }

  function machine(button) {
    var form = button.closest("form");
    var area = form.querySelector("textarea");
    var status = form.querySelector(".status");
    var data = new URLSearchParams();
    data.set("csrf", form.querySelector("input[name=csrf]").value);
    status.classList.remove("refused");
    status.textContent = "Translating… 翻译中";
    button.disabled = true;
    post(button.dataset.src, data).then(function (response) {
      return response.text().then(function (body) {
        button.disabled = false;
        var answer = null;
        try { answer = JSON.parse(body); } catch (e) { answer = null; }
        if (answer && typeof answer.text === "string") {
          area.value = answer.text;
          changed(area);
          status.textContent = answer.status;
        } else if (answer && answer.error) {
          refused(status, answer.error);  // the engine failed: one line, the text area untouched
        } else {
          var message = new DOMParser().parseFromString(body, "text/html").querySelector(".error");
          refused(status, message ? message.textContent : response.status + " " + response.statusText);
        }
      });
    }).catch(function () {
      button.disabled = false;
      refused(status, "The review app could not be reached. · 无法连接。");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.mt");
    if (button) { machine(button); }
  });

  reveal();
})();
