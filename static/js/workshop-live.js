/* A workshop's live map, shared by the participant page, the facilitator's page and the big screen.
 *
 * The page loads the notes once (GET …/notes, which says the last event it reflects), then follows the event
 * stream from there. Browsers open at most 6 connections to one host over HTTP/1.1, across all tabs, so the tabs
 * of one workshop share one stream: the tab holding a Web Lock for the workshop keeps the EventSource open and
 * passes each event to the others over a BroadcastChannel; when it closes, another tab takes the lock and opens
 * the stream from the last event it saw. Without those APIs each tab opens its own stream.
 *
 * Every bit of user text reaches the page through textContent (AssetMapDom.el), never as HTML.
 */
(function () {
  "use strict";
  const dom = window.AssetMapDom;
  const COLOURS = { asset: "#0072b2", opportunity: "#009e73", overlap: "#cc79a7", gap: "#d55e00", question: "#e69f00" };

  function start(options) {
    const root = document.getElementById("workshop");
    const code = root.dataset.code;
    const api = "/api/v1/workshops/" + encodeURIComponent(code);
    const kinds = JSON.parse(root.dataset.kinds);
    const map = window[root.dataset.map];
    const opts = Object.assign({ decorate: function () {}, onWorkshop: function () {}, onView: function () {},
                                 onChange: function () {}, hidden: false }, options || {});
    const notes = new Map();       // id → GeoJSON Feature
    const shapes = new Map();      // id → Leaflet layer
    const noteLayer = L.featureGroup().addTo(map);
    let lastId = 0;
    const status = document.getElementById("live-status");
    dom.keepMapSized(map);

    function setStatus(text) { if (status && status.textContent !== text) status.textContent = text; }

    // Notes are numbered in id order, the same on every map and in the report: a note's number is its place here.
    let order = [];
    function number(id) { return order.indexOf(id) + 1; }
    function renumber() { order = Array.from(notes.keys()).sort((a, b) => a - b); }

    function draw(feature) {
      const id = feature.properties.id;
      if (shapes.has(id)) noteLayer.removeLayer(shapes.get(id));
      const colour = COLOURS[feature.properties.kind] || "#1d1d1b";
      const dimmed = feature.properties.status === "hidden";
      const layer = L.geoJSON(feature, {
        pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 11, weight: 3, color: "#1d1d1b",
                                                               fillColor: colour, fillOpacity: dimmed ? 0.3 : 0.9 }),
        style: () => ({ color: colour, weight: 3, fillOpacity: dimmed ? 0.05 : 0.2, dashArray: dimmed ? "4 6" : null }),
      });
      const popup = dom.el("div", "workshop-popup");
      popup.appendChild(dom.el("strong", null, kinds[feature.properties.kind] + " " + number(id)));
      popup.appendChild(dom.el("p", null, feature.properties.text));
      popup.appendChild(dom.el("p", "meta", byline(feature.properties) + " · " + votes(feature.properties.votes)));
      layer.bindPopup(popup);
      layer.bindTooltip(String(number(id)), { permanent: true, direction: "center", className: "note-number" });
      layer.on("click", () => opts.onSelect && opts.onSelect(id));
      layer.addTo(noteLayer);
      shapes.set(id, layer);
    }

    function byline(p) { return p.organisation ? p.author + " (" + p.organisation + ")" : p.author; }
    function votes(n) { return n + (n === 1 ? " vote" : " votes"); }

    function renderList() {
      const list = document.getElementById("notes-list");
      const sorted = Array.from(notes.values()).sort((a, b) =>
        (b.properties.votes - a.properties.votes) || (a.properties.id - b.properties.id));
      if (list) {
        const kept = keep(list);
        list.replaceChildren(...sorted.map(item));
        restore(kept);
      }
      const count = document.getElementById("notes-count");
      if (count) count.textContent = notes.size + (notes.size === 1 ? " note" : " notes");
      opts.onChange(sorted);
    }

    // The list is redrawn whenever any note changes: what someone is half-way through typing, which forms are
    // open and where the focus is must survive that, or a busy room would wipe every comment being written.
    function keep(list) {
      const state = { open: [], values: {}, focus: document.activeElement && document.activeElement.id };
      list.querySelectorAll("details[open]").forEach((d) => {
        const field = d.querySelector("[id]");
        if (field) state.open.push(field.id);
      });
      list.querySelectorAll("textarea[id], input[id], select[id]").forEach((f) => { state.values[f.id] = f.value; });
      return state;
    }

    function restore(state) {
      state.open.forEach((id) => {
        const field = document.getElementById(id);
        if (field && field.closest("details")) field.closest("details").open = true;
      });
      Object.keys(state.values).forEach((id) => {
        const field = document.getElementById(id);
        if (field) field.value = state.values[id];
      });
      const focused = state.focus && document.getElementById(state.focus);
      if (focused) focused.focus({ preventScroll: true });
    }

    function item(feature) {
      const p = feature.properties;
      const li = dom.el("li", "note note-" + p.kind + (p.status === "hidden" ? " note-hidden" : ""));
      li.id = "note-" + p.id;
      li.dataset.id = p.id;
      const head = dom.el("p", "note-head");
      const badge = dom.el("span", "note-kind", kinds[p.kind] + " " + number(p.id));
      badge.style.borderColor = COLOURS[p.kind];
      head.appendChild(badge);
      head.appendChild(dom.el("span", "note-votes", votes(p.votes)));
      if (p.status === "hidden") head.appendChild(dom.el("span", "note-flag", "hidden from the room"));
      if (p.promoted) head.appendChild(dom.el("span", "note-flag", p.promoted.asset ? "made into an entry" : "made into a need"));
      li.appendChild(head);
      li.appendChild(dom.el("p", "note-text", p.text));
      li.appendChild(dom.el("p", "meta", byline(p) + (p.geometry_type === "Polygon" ? " · an area" : "")));
      if (p.comments && p.comments.length) {
        const ul = dom.el("ul", "note-comments");
        p.comments.forEach((c) => ul.appendChild(dom.el("li", null, byline(c) + ": " + c.text)));
        li.appendChild(ul);
      }
      const show = dom.button("Show on map", "button-link");
      show.addEventListener("click", () => focus(p.id));
      li.appendChild(show);
      opts.decorate(li, feature);
      return li;
    }

    function focus(id) {
      const layer = shapes.get(id);
      if (!layer) return;
      const bounds = layer.getBounds();
      map.fitBounds(bounds.pad(0.5), { maxZoom: Math.max(map.getZoom(), 16) });
      layer.openPopup(bounds.getCenter());
    }

    function put(feature) {
      if (!opts.hidden && feature.properties.status === "hidden") return remove(feature.properties.id);
      const id = feature.properties.id;
      feature.properties.geometry_type = feature.geometry.type;
      const numbersKept = notes.has(id) || !order.length || id > order[order.length - 1];
      notes.set(id, feature);
      renumber();
      // A new note is last and an edit keeps its number: only a note coming back between others (shown again)
      // moves the numbers after it.
      if (numbersKept) draw(feature);
      else notes.forEach(draw);
      renderList();
    }

    function remove(id) {
      if (shapes.has(id)) noteLayer.removeLayer(shapes.get(id));
      shapes.delete(id);
      notes.delete(id);
      renumber();
      notes.forEach(draw);   // the notes after it move up a number
      renderList();
    }

    function handle(kind, id, data) {
      if (id <= lastId) return;
      lastId = id;
      if (kind === "note") put(data);
      else if (kind === "note_removed") {
        if (opts.hidden && data.status === "hidden") refresh();
        else remove(data.id);
      } else if (kind === "workshop") opts.onWorkshop(data);
      else if (kind === "view") opts.onView(data);
    }

    function refresh() {
      return fetch(api + "/notes" + (opts.hidden ? "?hidden=1" : ""), { credentials: "same-origin" })
        .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then((fc) => {
          notes.clear();
          noteLayer.clearLayers();
          shapes.clear();
          fc.features.forEach((f) => { f.properties.geometry_type = f.geometry.type; notes.set(f.properties.id, f); });
          renumber();
          notes.forEach(draw);
          renderList();
          lastId = Math.max(lastId, fc.last_event_id);
        });
    }

    // -- the stream, shared between this workshop's tabs ---------------------------------------------------------
    const channel = window.BroadcastChannel ? new BroadcastChannel("assetmap-workshop-" + code) : null;
    if (channel) channel.onmessage = (m) => handle(m.data.kind, m.data.id, m.data.data);

    // EventSource reconnects by itself after a dropped connection, but not after a refusal (a worker holding all
    // the streams it can answers 503): then open a new one after a few seconds, spread so a room does not return
    // at once.
    function openStream() {
      const source = new EventSource(api + "/events?after=" + lastId);
      ["note", "note_removed", "workshop", "view"].forEach((kind) => source.addEventListener(kind, (e) => {
        const data = JSON.parse(e.data);
        const id = Number(e.lastEventId);
        handle(kind, id, data);
        if (channel) channel.postMessage({ kind: kind, id: id, data: data });
      }));
      source.onopen = () => setStatus("Live");
      source.onerror = () => {
        if (source.readyState !== EventSource.CLOSED) return setStatus("Reconnecting…");
        setStatus("Reconnecting…");
        setTimeout(openStream, 3000 + Math.random() * 4000);
      };
      window.addEventListener("pagehide", () => source.close());
    }

    function follow() {
      if (navigator.locks && channel) {
        setStatus("Live (through another tab)");
        // The lock is held, and this tab keeps the stream, until the tab closes.
        navigator.locks.request("assetmap-workshop-" + code, () => new Promise(() => openStream()));
      } else {
        openStream();
      }
    }

    refresh().then(follow, () => setStatus("Could not load the notes. Reload the page to try again."));
    if (window.AssetMapWorkshopLayers) {
      window.AssetMapWorkshopLayers.show(map, api, JSON.parse(root.dataset.layers || "{}"), noteLayer);
    }

    return { api: api, map: map, notes: notes, kinds: kinds, refresh: refresh, focus: focus, colours: COLOURS,
             number: number,
             lastId: () => lastId };
  }

  // Sends JSON with the page's cookie; resolves to {ok, status, body}. Network failures resolve too, with a
  // message, so every caller can show something.
  function send(method, url, body, headers) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: Object.assign({ "Content-Type": "application/json", Accept: "application/json" }, headers || {}),
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.text().then((t) => {
      let parsed = {};
      try { parsed = t ? JSON.parse(t) : {}; } catch (e) { parsed = { error: t }; }
      return { ok: r.ok, status: r.status, body: parsed };
    }), () => ({ ok: false, status: 0, body: { error: "No connection to the server. Check the wifi and try again." } }));
  }

  // A refusal's words: {"error": "…"} or {"errors": {field: "…"}}.
  const FIELDS = { text: "The text", kind: "The kind of note", geometry: "The place", name: "Your name",
                   organisation: "The organisation", body: "The request" };
  function message(body) {
    if (body.errors) {
      return Object.keys(body.errors).map((k) => {
        const m = body.errors[k];
        return /^(is|must|are|has|needs|crosses) /.test(m) ? (FIELDS[k] || k) + " " + m + "." : m;
      }).join(" ");
    }
    return body.message || body.error || "Something went wrong. Please try again.";
  }

  // A button that asks to be pressed again before it acts (no dialog boxes: they block the map for everyone
  // watching, and a screen reader announces the new label).
  function twoStep(button, again, action) {
    const first = button.textContent;
    let armed = null;
    button.addEventListener("click", () => {
      if (!armed) {
        button.textContent = again;
        armed = setTimeout(() => { button.textContent = first; armed = null; }, 5000);
        return;
      }
      clearTimeout(armed);
      armed = null;
      button.textContent = first;
      action();
    });
  }

  window.AssetMapWorkshop = { start: start, send: send, message: message, colours: COLOURS, twoStep: twoStep };
})();
