/* The big screen: the map follows the facilitator's view; the prompt, a round timer and the notes with the
 * most votes in type big enough for the back of the room. */
(function () {
  "use strict";
  const W = window.AssetMapWorkshop;
  const dom = window.AssetMapDom;
  const root = document.getElementById("workshop");
  // The timer counts against the server's clock, whatever the screen's own clock says.
  const skew = Date.parse(root.dataset.serverNow) - Date.now();
  let started = root.dataset.roundStarted ? Date.parse(root.dataset.roundStarted) : null;
  let minutes = root.dataset.roundMinutes ? Number(root.dataset.roundMinutes) : null;

  const live = W.start({ onWorkshop: onWorkshop, onView: onView, onChange: top });

  function onView(view) {
    if (view && view.center) live.map.setView([view.center[1], view.center[0]], view.zoom, { animate: true });
  }

  function onWorkshop(state) {
    document.getElementById("prompt").textContent = state.prompt;
    const banner = document.getElementById("screen-state");
    banner.hidden = state.state === "open";
    banner.textContent = state.state === "locked" ? "Paused" : "Closed";
    started = state.round_started_at ? Date.parse(state.round_started_at) : null;
    minutes = state.round_minutes;
    tick();
  }

  function top(sorted) {
    const list = document.getElementById("screen-top");
    list.replaceChildren(...sorted.slice(0, 8).map((f) => {
      const li = dom.el("li");
      li.appendChild(dom.el("span", "tally", String(f.properties.votes)));
      li.appendChild(dom.el("span", "text", live.number(f.properties.id) + ". " + f.properties.text));
      return li;
    }));
  }

  function tick() {
    const box = document.getElementById("timer");
    if (!started || !minutes) { box.textContent = ""; return; }
    const left = Math.max(0, Math.round((started + minutes * 60000 - (Date.now() + skew)) / 1000));
    box.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    box.classList.toggle("ending", left <= 60);
  }
  setInterval(tick, 1000);
  tick();
})();
