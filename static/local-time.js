// causerie: dates in the reader's own time zone and words.
//
// The server writes every date as `<time datetime="ISO">24 Nov 2026, 22:48 UTC</time>`,
// the same in a page and in a live fragment, and that stays what a reader
// without JavaScript sees. Here each one is shown in local time ("5 min ago",
// "today, 14:02", "3 Nov, 09:15"), with the full local date as its tooltip;
// dates that arrive later (htmx swaps, live updates) are rewritten as they land,
// and recent ones are refreshed every half minute.
(function () {
  "use strict";

  var MINUTE = 60 * 1000;
  // The page's language (`<html lang>`) and its words, from the server's
  // catalogue (`<template id="time-words">`); English when either is missing.
  var lang = document.documentElement.lang || undefined;
  var meta = document.getElementById("time-words");
  function word(name, fallback) {
    return (meta && meta.getAttribute("data-" + name)) || fallback;
  }
  var plurals = new Intl.PluralRules(lang);
  var clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
  var dayMonth = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short" });
  var full = new Intl.DateTimeFormat(lang, {
    weekday: "long", day: "numeric", month: "long", year: "numeric",
    hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  var dayMonthYear = new Intl.DateTimeFormat(lang, {
    day: "numeric", month: "short", year: "numeric",
  });

  function startOfDay(d) {
    return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  }

  function words(when, now) {
    var ago = now - when;
    if (ago < MINUTE) return word("now", "just now");
    if (ago < 60 * MINUTE) {
      var n = Math.floor(ago / MINUTE);
      var form = plurals.select(n) === "one" ? word("minute", "%n min ago") : word("minutes", "%n min ago");
      return form.replace("%n", n);
    }
    var days = Math.round((startOfDay(now) - startOfDay(when)) / (24 * 60 * MINUTE));
    if (days === 0) return word("today", "today") + ", " + clock.format(when);
    if (days === 1) return word("yesterday", "yesterday") + ", " + clock.format(when);
    if (when.getFullYear() === now.getFullYear()) {
      return dayMonth.format(when) + ", " + clock.format(when);
    }
    return dayMonthYear.format(when);
  }

  function show(el, now) {
    var when = new Date(el.getAttribute("datetime"));
    if (isNaN(when.getTime())) return;
    var text = words(when, now);
    // Only real changes, so the observer below does not feed on its own writes.
    if (el.textContent !== text) el.textContent = text;
    var title = full.format(when);
    if (el.title !== title) el.title = title;
  }

  function showAll(root) {
    var now = new Date();
    var found = root.querySelectorAll ? root.querySelectorAll("time[datetime]") : [];
    if (root.matches && root.matches("time[datetime]")) show(root, now);
    for (var i = 0; i < found.length; i++) show(found[i], now);
  }

  function start() {
    showAll(document);
    new MutationObserver(function (records) {
      for (var i = 0; i < records.length; i++) {
        var r = records[i];
        // A morph may rewrite a date's text or datetime in place.
        var target = r.type === "characterData" ? r.target.parentNode : r.target;
        if (target) showAll(target);
      }
    }).observe(document.body, {
      childList: true, subtree: true, characterData: true,
      attributes: true, attributeFilter: ["datetime"],
    });
    setInterval(function () { showAll(document); }, MINUTE / 2);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
