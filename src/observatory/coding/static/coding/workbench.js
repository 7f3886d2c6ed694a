// Coding workbench: select text to code it; j/k move between suggestions, a/r accept or
// reject, c adds the chosen code to the selection. Without this script every action still
// works through the page's forms.
(function () {
  "use strict";
  var add = document.getElementById("obs-add");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");

  // A redacted marker stands for data-len characters of the stored text: count those, so
  // offsets stay offsets of the stored text (a selection edge inside a marker snaps to it).
  function lengthOf(text) {
    var hidden = text.parentNode.closest(".obs-redacted");
    return hidden ? parseInt(hidden.dataset.len, 10) : text.nodeValue.length;
  }

  function offsetIn(container, node, offset) {
    if (node.nodeType !== 3) {
      // the selection edge is between children: count the text before child ``offset``
      var child = node.childNodes[offset];
      var total0 = 0;
      var w = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
      while (w.nextNode()) {
        if (child && (child.compareDocumentPosition(w.currentNode) &
            (Node.DOCUMENT_POSITION_FOLLOWING | Node.DOCUMENT_POSITION_CONTAINED_BY))) {
          return total0;
        }
        total0 += lengthOf(w.currentNode);
      }
      return total0;
    }
    var walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
    var total = 0;
    while (walker.nextNode()) {
      if (walker.currentNode === node) {
        var hidden = node.parentNode.closest(".obs-redacted");
        if (hidden) { return total + (offset > 0 ? lengthOf(node) : 0); }
        return total + offset;
      }
      total += lengthOf(walker.currentNode);
    }
    return null;
  }

  function unitOf(node) {
    var el = node && (node.nodeType === 3 ? node.parentNode : node);
    return el && el.closest ? el.closest(".obs-unit-text") : null;
  }

  document.addEventListener("selectionchange", function () {
    if (!add) { return; }
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { return; }
    var range = sel.getRangeAt(0);
    var unit = unitOf(range.startContainer);
    if (!unit || unitOf(range.endContainer) !== unit) { return; }
    var a = offsetIn(unit, range.startContainer, range.startOffset);
    var b = offsetIn(unit, range.endContainer, range.endOffset);
    if (a === null || b === null || a === b) { return; }
    var base = parseInt(unit.dataset.start, 10);
    document.getElementById("obs-start").value = base + Math.min(a, b);
    document.getElementById("obs-end").value = base + Math.max(a, b);
    document.getElementById("obs-unit").value = unit.dataset.unit;
    document.getElementById("obs-selection").textContent =
      "Selected: “" + sel.toString().slice(0, 120) + "”";
  });

  function post(form, extra) {
    var data = new FormData(form);
    Object.keys(extra || {}).forEach(function (k) { data.set(k, extra[k]); });
    return fetch(window.location.pathname, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"X-Requested-With": "fetch", "Accept": "application/json"}
    }).then(function (r) { return r.json().then(function (j) { return [r.status, j]; }); });
  }

  // The page's counters follow every decision (the JSON answer carries the progress).
  function showProgress(progress) {
    if (!progress) { return; }
    var decided = document.getElementById("obs-decided");
    var percent = document.getElementById("obs-percent");
    var bar = document.getElementById("obs-progress");
    if (decided) { decided.textContent = progress.decided; }
    if (percent) { percent.textContent = progress.percent; }
    if (bar) { bar.value = progress.percent; }
    if (progress.done) {
      document.getElementById("obs-done-note").textContent = " Marked as finished.";
    }
  }

  // A message where the page shows messages after a reload (GOV.UK notification banner).
  function banner(message, ok) {
    var main = document.getElementById("main-content");
    var old = document.getElementById("obs-live-banner");
    if (old) { old.parentNode.removeChild(old); }
    var box = document.createElement("div");
    box.id = "obs-live-banner";
    box.className = "govuk-notification-banner" + (ok ? " govuk-notification-banner--success" : "");
    box.setAttribute("role", "alert");
    box.setAttribute("aria-labelledby", "obs-live-banner-title");
    var head = document.createElement("div");
    head.className = "govuk-notification-banner__header";
    var title = document.createElement("h2");
    title.className = "govuk-notification-banner__title";
    title.id = "obs-live-banner-title";
    title.textContent = ok ? "Success" : "There is a problem";
    head.appendChild(title);
    var content = document.createElement("div");
    content.className = "govuk-notification-banner__content";
    var text = document.createElement("p");
    text.className = "govuk-notification-banner__heading";
    text.textContent = message;
    content.appendChild(text);
    box.appendChild(head);
    box.appendChild(content);
    main.insertBefore(box, main.firstChild);
  }

  function decide(item, status) {
    var form = item.querySelector("form.obs-decide");
    if (!form) { return; }
    post(form, {status: status}).then(function (res) {
      if (res[0] >= 400) { banner(res[1].message, false); return; }
      var seg = res[1].data;
      showProgress(seg.progress);
      form.querySelectorAll("button[name=status]").forEach(function (b) {
        b.setAttribute("aria-pressed", b.value === seg.status ? "true" : "false");
      });
      item.dataset.status = seg.status;
      item.className = "obs-seg obs-seg--" + seg.status;
      form.querySelector("input[name=lock]").value = seg.lock;
      var tag = item.querySelector(".obs-status");
      tag.textContent = seg.status.charAt(0).toUpperCase() + seg.status.slice(1);
      tag.className = "govuk-tag obs-status " +
        (seg.status === "accepted" ? "govuk-tag--green" : "govuk-tag--red");
    });
  }

  document.querySelectorAll("form.obs-decide").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter || form.querySelector("button[value=accepted]");
      decide(form.closest(".obs-seg"), button.value);
    });
  });

  // "I have finished": one control; the page says so at once and keeps its place.
  var finish = document.getElementById("obs-finish");
  if (finish) {
    finish.addEventListener("submit", function (event) {
      event.preventDefault();
      post(finish).then(function (res) {
        banner(res[1].message, res[0] < 400);
        if (res[0] >= 400) { return; }
        showProgress(res[1].data.progress);
        var note = document.createElement("p");
        note.className = "govuk-body";
        note.id = "obs-finished-note";
        note.innerHTML = '<strong class="govuk-tag govuk-tag--green">Finished</strong> ' +
          "You marked this document done.";
        finish.parentNode.replaceChild(note, finish);
      });
    });
  }

  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.ctrlKey ||
        event.metaKey || event.altKey) { return; }
    var items = Array.prototype.slice.call(document.querySelectorAll(".obs-seg"));
    var current = document.activeElement && document.activeElement.closest ?
      document.activeElement.closest(".obs-seg") : null;
    var index = items.indexOf(current);
    if (event.key === "j" || event.key === "k") {
      var next = event.key === "j" ? index + 1 : index - 1;
      if (next < 0) { next = 0; }
      if (items[next]) { items[next].focus(); event.preventDefault(); }
    } else if ((event.key === "a" || event.key === "r") && current) {
      decide(current, event.key === "a" ? "accepted" : "rejected");
      event.preventDefault();
    } else if (event.key === "c" && add) {
      add.requestSubmit();
      event.preventDefault();
    }
  });
  if (csrf === null) { return; }
})();
