/* An import job's page while the job waits or runs: polls its JSON status, shows the rows done, and reloads the
 * page once the job has finished, so the server draws the report (the same page as without JavaScript, where a
 * meta refresh does the reloading).
 */
(function () {
  "use strict";

  const EVERY_MS = 1000;

  function init() {
    const job = document.getElementById("job");
    if (!job || !job.dataset.statusUrl) return;
    const status = document.getElementById("job-status");
    const bar = document.getElementById("job-progress");

    function show(s) {
      if (s.state === "queued") {
        status.textContent = "Waiting for the jobs worker to start it.";
      } else {
        const of = s.total === null ? "" : ` of ${s.total}`;
        status.textContent = `Importing: ${s.done}${of} rows read.`;
        if (s.total) {
          bar.max = s.total;
          bar.value = Math.min(s.done, s.total);
        }
      }
    }

    function poll() {
      fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`status ${r.status}`))))
        .then((s) => {
          if (s.finished) {
            window.location.reload();
            return;
          }
          show(s);
          window.setTimeout(poll, EVERY_MS);
        })
        .catch(() => {   // the server restarting, say: try again a little later
          window.setTimeout(poll, EVERY_MS * 5);
        });
    }
    window.setTimeout(poll, EVERY_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
