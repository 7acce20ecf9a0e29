// causerie: Quote puts the quoted message into the reply form of the same
// page, at the cursor, instead of opening the reply page (which the link
// still does without JavaScript, or on a page with no reply form).
//
// htmx swaps elements; it cannot insert text into a textarea at the cursor,
// so this does, with the quote the server writes (`/messages/{id}/quote`).
(function () {
  "use strict";

  // Where the cursor was in the reply field when it lost focus (to the
  // Quote link, say): a click elsewhere may move the field's own selection.
  var kept = null;
  document.addEventListener("focusout", function (e) {
    var t = e.target;
    if (t.matches && t.matches("#reply-form textarea[name=body]")) {
      kept = { field: t, start: t.selectionStart, end: t.selectionEnd };
    }
  });

  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-quote]");
    var field = document.querySelector("#reply-form textarea[name=body]");
    if (!link || !field || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    fetch(link.dataset.quote, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.text();
      })
      .then(function (quote) {
        var start = field.selectionStart, end = field.selectionEnd;
        if (document.activeElement !== field && kept && kept.field === field) {
          start = Math.min(kept.start, field.value.length);
          end = Math.min(kept.end, field.value.length);
        }
        // A quote starts a line of its own.
        if (start > 0 && field.value.charAt(start - 1) !== "\n") quote = "\n\n" + quote;
        field.focus();
        field.setRangeText(quote, start, end, "end");
        // drafts.js keeps it, like typed text.
        field.dispatchEvent(new Event("input", { bubbles: true }));
      })
      .catch(function () {
        window.location.href = link.href;
      });
  });
})();
