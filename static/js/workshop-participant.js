/* The participant's page: add a note at a point or as an area, vote, comment, withdraw their own notes.
 *
 * Everything goes through the JSON API with this workshop's cookie; a refusal (the workshop locked, no votes
 * left, a text too long) is shown in words beside what was being done, and what was typed stays.
 */
(function () {
  "use strict";
  const W = window.AssetMapWorkshop;
  const dom = window.AssetMapDom;
  const root = document.getElementById("workshop");
  const me = Number(root.dataset.me);
  let votesLeft = Number(document.getElementById("votes-left").textContent);
  let mine = {};   // note id → my dots on it

  const live = W.start({ decorate: decorate, onWorkshop: onWorkshop });
  const map = live.map;

  // -- adding a note ---------------------------------------------------------------------------------------------
  const form = document.getElementById("note-form");
  const error = document.getElementById("note-error");
  const placeStatus = document.getElementById("place-status");
  const finishArea = document.getElementById("finish-area");
  let point = null;
  let pin = null;
  const draw = window.AssetMapDraw.polygon(map, { color: "#d55e00", onChange: (s) => {
    finishArea.disabled = s.finished || s.corners < 3;
    if (shape() === "area") {
      placeStatus.textContent = s.finished ? "Area drawn." :
        s.corners + " corners. " + (s.corners < 3 ? "Tap at least 3." : "Press “Finish area” when done.");
    }
  } });

  function shape() { return form.querySelector("input[name=shape]:checked").value; }

  function place(latlng) {
    point = latlng;
    if (pin) pin.remove();
    pin = L.marker(latlng, { keyboard: false, title: "Your note goes here" }).addTo(map);
    placeStatus.textContent = "Your note goes where the pin is. Tap elsewhere to move it.";
  }

  map.on("click", (e) => { if (shape() === "point") place(e.latlng); });
  document.getElementById("use-centre").addEventListener("click", () => place(map.getCenter()));
  form.querySelectorAll("input[name=shape]").forEach((r) => r.addEventListener("change", () => {
    const area = shape() === "area";
    finishArea.hidden = !area;
    document.getElementById("use-centre").hidden = area;
    if (pin) { pin.remove(); pin = null; point = null; }
    draw.clear();
    if (area) { draw.start(); placeStatus.textContent = "Tap each corner of the area on the map."; }
    else { draw.stop(); placeStatus.textContent = "Tap the map where your note belongs, or use the centre of the map."; }
  }));
  finishArea.addEventListener("click", () => draw.finish());

  function geometry() {
    if (shape() === "area") return draw.geometry();
    return point ? { type: "Point", coordinates: [Number(point.lng.toFixed(6)), Number(point.lat.toFixed(6))] } : null;
  }

  function showError(box, text) {
    box.textContent = text;
    box.hidden = !text;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = document.getElementById("note-text").value.trim();
    const g = geometry();
    if (!text) return showError(error, "Write your note first.");
    if (!g) return showError(error, shape() === "area" ? "Finish drawing the area first: tap at least 3 corners, then “Finish area”." :
                                                         "Tap the map where your note belongs first, or use the centre of the map.");
    const button = document.getElementById("note-submit");
    button.disabled = true;
    W.send("POST", live.api + "/notes", { type: "Feature", geometry: g,
      properties: { kind: form.querySelector("input[name=kind]:checked").value, text: text } })
      .then((r) => {
        button.disabled = false;
        if (!r.ok) return showError(error, W.message(r.body));
        showError(error, "");
        document.getElementById("note-text").value = "";
        if (pin) { pin.remove(); pin = null; point = null; }
        draw.clear();
        if (shape() === "area") draw.start();
        placeStatus.textContent = "Added. Your note is on everyone's map.";
      });
  });

  // -- votes, comments, withdrawing ------------------------------------------------------------------------------
  const voteError = document.getElementById("vote-error");

  function setVotes(left) {
    votesLeft = left;
    document.getElementById("votes-left").textContent = String(left);
  }

  function vote(id, add) {
    W.send(add ? "POST" : "DELETE", live.api + "/notes/" + id + "/votes").then((r) => {
      if (!r.ok) return showError(voteError, W.message(r.body));
      showError(voteError, "");
      mine[id] = r.body.mine;
      setVotes(r.body.votes_left);
    });
  }

  function decorate(li, feature) {
    const p = feature.properties;
    const tools = dom.el("div", "note-tools");
    const up = dom.button("Vote", "button-secondary");
    up.id = "vote-" + p.id;
    up.setAttribute("aria-label", "Vote for note " + li.querySelector(".note-kind").textContent);
    up.addEventListener("click", () => vote(p.id, true));
    tools.appendChild(up);
    if (mine[p.id]) {
      const down = dom.button("Take a vote back (" + mine[p.id] + " of yours)", "button-secondary");
      down.id = "unvote-" + p.id;
      down.addEventListener("click", () => vote(p.id, false));
      tools.appendChild(down);
    }
    if (p.participant_id === me) {
      const withdraw = dom.button("Withdraw my note", "button-secondary");
      W.twoStep(withdraw, "Press again to take it off the map", () => {
        W.send("DELETE", live.api + "/notes/" + p.id).then((r) => { if (!r.ok) showError(voteError, W.message(r.body)); });
      });
      tools.appendChild(withdraw);
    }
    li.appendChild(tools);
    if (p.participant_id === me) li.appendChild(editForm(p));
    li.appendChild(commentForm(p.id));
  }

  // A note's small form (edit, comment): one text box behind a summary; `submit(text)` resolves to the API's
  // answer, and `cleared` empties the box once it is accepted.
  function textForm(o) {
    const details = dom.el("details", "note-comment");
    details.appendChild(dom.el("summary", null, o.summary));
    const f = dom.el("form");
    const label = dom.el("label", null, o.label);
    label.htmlFor = o.id;
    const box = dom.el("textarea");
    box.id = o.id;
    box.rows = o.rows;
    box.maxLength = o.max;
    box.value = o.value || "";
    const err = dom.el("p", "form-error");
    err.setAttribute("role", "alert");
    err.hidden = true;
    const go = dom.el("button", "button-secondary", o.button);
    go.type = "submit";
    f.append(label, box, err, go);
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      o.submit(box.value).then((r) => {
        if (!r.ok) return showError(err, W.message(r.body));
        if (o.cleared) box.value = "";
        showError(err, "");
      });
    });
    details.appendChild(f);
    return details;
  }

  function editForm(p) {
    return textForm({ summary: "Edit my note", label: "Your note", id: "edit-" + p.id, rows: 3, max: 1000,
                      value: p.text, button: "Save",
                      submit: (text) => W.send("PATCH", live.api + "/notes/" + p.id,
                                               { type: "Feature", geometry: null, properties: { text: text } }) });
  }

  function commentForm(id) {
    return textForm({ summary: "Comment", label: "Your comment", id: "comment-" + id, rows: 2, max: 500,
                      button: "Send comment", cleared: true,
                      submit: (text) => W.send("POST", live.api + "/notes/" + id + "/comments", { text: text }) });
  }

  function onWorkshop(state) {
    document.getElementById("prompt").textContent = state.prompt;
    const banner = document.getElementById("state-banner");
    banner.hidden = state.state === "open";
    banner.textContent = state.state === "locked" ? "The facilitator has paused the workshop: you can read, but not add, for now." :
      state.state === "open" ? "" : "This workshop has ended. Thank you for taking part.";
    root.dataset.state = state.state;
  }

  W.send("GET", live.api + "/me").then((r) => {
    if (!r.ok) return;
    setVotes(r.body.votes_left);
    mine = {};
    Object.keys(r.body.votes).forEach((k) => { mine[Number(k)] = r.body.votes[k]; });
  });
})();
