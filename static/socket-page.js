// causerie: the /socket diagnostics page. Shows the socket's state and what
// it receives, and makes the Ping button send "ping".
(function () {
  "use strict";

  function byId(id) {
    return document.getElementById(id);
  }

  document.addEventListener("htmx:ws:after:connection", function () {
    byId("ws-state").textContent = "connected";
  });
  document.addEventListener("htmx:ws:close", function () {
    byId("ws-state").textContent = "closed";
  });
  document.addEventListener("htmx:ws:after:message:incoming", function (e) {
    var li = document.createElement("li");
    li.textContent = e.detail.message.data;
    byId("received").append(li);
  });
  document.addEventListener("htmx:ws:before:message:outgoing", function (e) {
    if (e.target && e.target.id === "ping") e.detail.message.data = "ping";
  });
})();
