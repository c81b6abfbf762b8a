// GradeLab's pages work without scripts; this adds two things where scripts run.
// 1. A submission being graded updates its progress in place (a polite live region, so a
//    screen reader hears "12 of 59 checks done" without the page being re-read), asking
//    the compact status view with If-None-Match; when grading ends the page loads once.
// 2. A page restored by Back (the back/forward cache) loads again, so a form on it gets a
//    fresh upload key instead of re-sending an earlier page's.
(function () {
  "use strict";
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });
  var live = document.querySelector("[data-status-url]");
  if (!live) { return; }
  var url = live.getAttribute("data-status-url");
  var text = live.querySelector("[data-progress-text]");
  var bar = live.querySelector("progress");
  var stop = live.querySelector("[data-stop-updates]");
  var etag = null, timer = null, stopped = false, delay = 2000;
  function show(status) {
    var total = status.total;
    var words = status.status === "queued" ? "Waiting for a grader" : "Grading";
    if (total) { words += ": " + status.done + " of " + total + " checks done"; }
    else if (status.status === "running") { words += ": starting"; }
    if (text.textContent !== words + ".") { text.textContent = words + "."; }
    if (bar && total) { bar.max = total; bar.value = status.done; bar.textContent = status.done + "/" + total; }
  }
  function poll() {
    var headers = etag ? {"If-None-Match": etag} : {};
    fetch(url, {headers: headers, credentials: "same-origin"}).then(function (response) {
      if (response.status === 304) { return null; }
      if (!response.ok) { throw new Error("status " + response.status); }
      etag = response.headers.get("ETag");
      return response.json();
    }).then(function (status) {
      if (status) {
        show(status);
        if (status.status === "done" || status.status === "failed") { window.location.reload(); return; }
      }
      schedule();
    }).catch(function () { delay = Math.min(delay * 2, 30000); schedule(); });
  }
  function schedule() { if (!stopped) { timer = window.setTimeout(poll, delay); } }
  if (stop) {
    stop.hidden = false;
    stop.addEventListener("click", function () {
      stopped = !stopped;
      if (stopped) { window.clearTimeout(timer); stop.textContent = "Resume updates"; text.textContent += " Updates paused."; }
      else { stop.textContent = "Pause updates"; poll(); }
    });
  }
  schedule();
})();
