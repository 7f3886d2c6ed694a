// Progressive enhancement of the "flag personal data" form under the text viewer: selecting
// words inside one paragraph fills the form with exactly that span (its offsets in the
// version's text, from the paragraph's data-start), so only that occurrence is flagged.
// Without this script the form still works: the typed words are flagged wherever they occur.
(function () {
  "use strict";
  var form = document.getElementById("add-flag");
  if (!form) { return; }
  var text = document.getElementById("add-flag-text");
  var start = document.getElementById("add-flag-start");
  var end = document.getElementById("add-flag-end");
  var hint = document.getElementById("add-flag-hint");

  function paragraphOf(node) {
    while (node && !(node.nodeType === 1 && node.hasAttribute("data-start"))) {
      node = node.parentNode;
    }
    return node;
  }

  function offsetIn(paragraph, container, offset) {
    var range = document.createRange();
    range.setStart(paragraph, 0);
    range.setEnd(container, offset);
    return range.toString().length;
  }

  function onSelection() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    var paragraph = paragraphOf(range.startContainer);
    if (!paragraph || paragraph !== paragraphOf(range.endContainer)) { return; }
    var base = parseInt(paragraph.getAttribute("data-start"), 10);
    var a = offsetIn(paragraph, range.startContainer, range.startOffset);
    var b = offsetIn(paragraph, range.endContainer, range.endOffset);
    var chosen = range.toString();
    // Trim surrounding spaces from the selection, keeping the offsets exact.
    var lead = chosen.length - chosen.replace(/^\s+/, "").length;
    var trail = chosen.length - chosen.replace(/\s+$/, "").length;
    if (b - a - lead - trail < 1) { return; }
    start.value = String(base + a + lead);
    end.value = String(base + b - trail);
    text.value = chosen.trim();
    hint.textContent = "Only the words you selected (this occurrence) will be flagged.";
  }

  document.addEventListener("mouseup", onSelection);
  document.addEventListener("keyup", onSelection);
  text.addEventListener("input", function () {
    // Typed words: flag every occurrence, not the earlier selection.
    start.value = "";
    end.value = "";
  });
}());
