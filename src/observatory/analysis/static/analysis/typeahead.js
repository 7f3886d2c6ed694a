// Type-ahead for a long <select data-typeahead> (progressive enhancement): a text box with a
// <datalist> of the same options is put before the select; typing narrows the suggestions
// and choosing one sets the select. Without JavaScript the plain select works as it is.
(function () {
  document.querySelectorAll("select[data-typeahead]").forEach(function (select, n) {
    var list = document.createElement("datalist");
    list.id = "typeahead-" + n;
    var byLabel = {};
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) { return; }
      byLabel[option.text] = option.value;
      var item = document.createElement("option");
      item.value = option.text;
      list.appendChild(item);
    });
    var input = document.createElement("input");
    input.type = "text";
    input.className = "govuk-input obs-full govuk-!-margin-bottom-1";
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-label", "Type to find a " + (select.dataset.typeahead || "value"));
    if (select.selectedIndex > 0) { input.value = select.options[select.selectedIndex].text; }
    input.addEventListener("input", function () {
      if (byLabel[input.value]) { select.value = byLabel[input.value]; }
    });
    select.parentNode.insertBefore(list, select);
    select.parentNode.insertBefore(input, select);
  });
})();
