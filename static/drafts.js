// causerie: what is typed in a reply or a new topic survives a reload, a
// closed tab, a crash, or a trip to the login page.
//
// A form with `data-draft="KEY"` has its text fields saved in localStorage
// under KEY as they are typed, and put back into its empty fields when a page
// with that form opens. The draft is forgotten once the form is sent and the
// server accepts it, when the fields are emptied, after a week, or when the
// reader logs out (a form marked `data-forget-drafts`), so the next person at
// a shared computer finds none.
(function () {
  "use strict";

  var PREFIX = "causerie:draft:";
  var WEEK = 7 * 24 * 60 * 60 * 1000;

  function store() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // storage disabled: no drafts, nothing else changes
    }
  }

  function fields(form) {
    return form.querySelectorAll("textarea[name], input[type=text][name]");
  }

  function save(form) {
    var s = store();
    if (!s) return;
    var values = {};
    var any = false;
    fields(form).forEach(function (f) {
      values[f.name] = f.value;
      if (f.value.trim() !== "") any = true;
    });
    var key = PREFIX + form.dataset.draft;
    try {
      if (any) s.setItem(key, JSON.stringify({ at: Date.now(), values: values }));
      else s.removeItem(key);
    } catch (e) {
      // Full storage: the text is still in the page.
    }
  }

  function forget(form) {
    var s = store();
    if (s) s.removeItem(PREFIX + form.dataset.draft);
  }

  function forgetAll() {
    var s = store();
    if (!s) return;
    var keys = [];
    for (var i = 0; i < s.length; i++) {
      var key = s.key(i);
      if (key && key.indexOf(PREFIX) === 0) keys.push(key);
    }
    keys.forEach(function (key) { s.removeItem(key); });
  }

  function restore(form) {
    var s = store();
    if (!s || form.dataset.draftRestored) return;
    form.dataset.draftRestored = "1";
    var saved;
    try {
      saved = JSON.parse(s.getItem(PREFIX + form.dataset.draft) || "null");
    } catch (e) {
      saved = null;
    }
    if (!saved || !saved.values || Date.now() - saved.at > WEEK) return;
    fields(form).forEach(function (f) {
      var v = saved.values[f.name];
      // Never over what the page already holds (a quote, an error's echo).
      if (typeof v === "string" && f.value === "") f.value = v;
    });
  }

  function restoreAll(root) {
    if (!root.querySelectorAll) return;
    if (root.matches && root.matches("form[data-draft]")) restore(root);
    root.querySelectorAll("form[data-draft]").forEach(restore);
  }

  document.addEventListener("input", function (e) {
    var form = e.target.closest && e.target.closest("form[data-draft]");
    if (form) save(form);
  });

  document.addEventListener("submit", function (e) {
    if (e.target.matches && e.target.matches("form[data-forget-drafts]")) forgetAll();
  });

  document.addEventListener("htmx:after:request", function (e) {
    var ctx = e.detail && e.detail.ctx;
    var form = ctx && ctx.sourceElement && ctx.sourceElement.closest &&
      ctx.sourceElement.closest("form[data-draft]");
    var status = ctx && ctx.response && ctx.response.status;
    // A preview writes nothing: the draft stays.
    var preview = form && ctx.sourceElement.matches("[data-preview]");
    if (form && !preview && status && status < 400) forget(form);
  });

  function start() {
    restoreAll(document);
    // Forms swapped in later (after an answer) get the same treatment.
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        r.addedNodes.forEach(function (n) {
          if (n.nodeType === 1) restoreAll(n);
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
