// causerie: gives the page's socket element the htmx WebSocket attributes
// (`hx-ws:connect`, `hx-ws:send`) from their valid-HTML spellings
// (`data-ws-connect`, `data-ws-send`): a `data-` attribute name cannot hold
// the colon the extension's attribute has. Deferred, so it runs after the
// document is parsed and before htmx processes it (on DOMContentLoaded).
(function () {
  "use strict";
  document.querySelectorAll("[data-ws-connect]").forEach(function (el) {
    el.setAttribute("hx-ws:connect", el.getAttribute("data-ws-connect"));
  });
  document.querySelectorAll("[data-ws-send]").forEach(function (el) {
    el.setAttribute("hx-ws:send", el.getAttribute("data-ws-send"));
  });
})();
