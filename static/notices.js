// causerie: telling the reader a request failed, without touching the form.
//
// When the server answers with an error, it sends the notice itself (swapped
// into #flash, the form left as it was). This covers a request that got no
// answer at all (network down, server restarting): the same kind of notice,
// said here. A later request that succeeds takes the notice away, and so
// does the notice's dismiss button.
(function () {
  "use strict";

  function flash() {
    return document.getElementById("flash");
  }

  function say(text) {
    var region = flash();
    if (!region) return;
    var box = document.createElement("div");
    box.className = "notice failure";
    var p = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = "Not sent.";
    p.append(strong, " " + text);
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "link dismiss";
    dismiss.setAttribute("aria-label", "Dismiss");
    dismiss.textContent = "\u00d7";
    box.append(p, dismiss);
    region.replaceChildren(box);
  }

  // Dismissing a notice, whoever wrote it (the server or this file).
  document.addEventListener("click", function (e) {
    var region = flash();
    if (region && e.target.closest && e.target.closest("#flash .dismiss")) {
      region.replaceChildren();
    }
  });

  document.addEventListener("htmx:error", function (e) {
    var ctx = e.detail && e.detail.ctx;
    // With a response, the server has said what went wrong (or it was a swap).
    if (!ctx || ctx.response) return;
    var form = ctx.sourceElement && ctx.sourceElement.closest &&
      ctx.sourceElement.closest("form");
    say("The server could not be reached; check the connection and try again." +
      (form ? " What you typed is still in the form." : ""));
  });

  document.addEventListener("htmx:after:request", function (e) {
    var ctx = e.detail && e.detail.ctx;
    var status = ctx && ctx.response && ctx.response.status;
    var region = flash();
    if (status && status < 400 && region) region.replaceChildren();
  });
})();
