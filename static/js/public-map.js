/* The public map at /.
 *
 * folium has drawn the map and an empty marker cluster; their variable names, the API URLs and the capacity-kind
 * labels come in data attributes of #map-app, and category labels and colours from the filter's checkboxes.
 * Published assets are fetched from the API for the current view and ticked categories, page by page; a view
 * inside one already fetched for the same categories (zooming in, then out again) is drawn from what is held, with
 * no request. Icons come from map-markers.js, outlines from map-neighbourhoods.js, keys from map-keyboard.js.
 * User text only ever reaches the page through textContent, never innerHTML.
 */
(function () {
  "use strict";

  const { el, keepMapSized } = window.AssetMapDom;
  const { markerIcon, clusterIcon } = window.AssetMapMarkers;
  const app = document.getElementById("map-app");
  if (!app) return;
  const map = window[app.dataset.map];
  const cluster = window[app.dataset.cluster];
  const form = document.getElementById("category-filter");
  const details = document.getElementById("filter-details");
  const filterCount = document.getElementById("filter-count");
  const statusLine = document.getElementById("map-status");
  const kindLabels = JSON.parse(app.dataset.capacityKinds || "{}");
  const assetPageUrl = app.dataset.assetPageUrl;
  const boxes = Array.from(form.querySelectorAll('input[name="category"]'));
  const whenForm = document.getElementById("when-filter");
  const whenCount = document.getElementById("when-count");
  const categories = {};
  boxes.forEach((box) => {
    categories[box.value] = { label: box.dataset.label, colour: box.dataset.colour, shape: box.dataset.shape };
  });

  const PAGE_LIMIT = 1000;
  const DEBOUNCE_MS = 250;
  const UNITS = JSON.parse(app.dataset.units || "{}"); // unit → [singular, plural], from data/units.csv

  // At tile scale (data-tiles-layer), the places come from vector tiles instead (map-tiles.js); no markers.
  const tilesLayer = app.dataset.tilesLayer ? window[app.dataset.tilesLayer] : null;
  let updateTiles = null;

  const markers = new Map(); // asset id → L.marker, for every asset fetched so far
  const onMap = new Set(); // ids of the markers in the cluster: those of ticked categories
  const covered = []; // { bbox, key }: views fetched in full for the categories in key
  let inflight = null; // { bbox, key, controller } of the fetch under way
  const freeAt = new Map(); // "when" → ids of the assets the API listed as free then (a when filter's fetches)
  // ?asset=<id> (an asset page's "Show on the map"): open that entry's popup once it has loaded.
  let requested = new URLSearchParams(window.location.search).get("asset");
  let timer = null;

  // data-state: "pending" (a load is due), "loading", "ready" or "error"; tests wait for "ready".
  function setStatus(text, state) {
    statusLine.textContent = text;
    app.dataset.state = timer === null ? state : "pending";
  }

  function ticked() {
    return boxes.filter((b) => b.checked).map((b) => b.value);
  }

  // The "when" filter as the API takes it: "Tu 18:00-21:00", "now", or "" for any time (web/capacity.py's rule).
  function chosenWhen() {
    if (!whenForm) return "";
    const day = whenForm.elements.day.value;
    if (day === "now") return "now";
    return day ? day + " " + whenForm.elements.from.value + "-" + whenForm.elements.to.value : "";
  }

  function wanted(marker, id, codes, when) {
    if (!codes.has(marker.feature.properties.category)) return false;
    return !when || (freeAt.get(when) || new Set()).has(id);
  }

  function quantityInWords(quantity, unit) {
    if (quantity === null || quantity === undefined || !unit) return "";
    const words = UNITS[unit] || [unit.replace(/_/g, " "), unit.replace(/_/g, " ")];
    return quantity + " " + (Number(quantity) === 1 ? words[0] : words[1]);
  }

  // "Space: 12 places, free": the cost in the costs vocabulary's words, which the API sends with each offer.
  function offerSummary(offer) {
    let text = kindLabels[offer.kind] || offer.kind;
    const amount = quantityInWords(offer.quantity, offer.unit);
    if (amount) text += ": " + amount;
    return text + ", " + String(offer.cost_label || offer.cost).toLowerCase();
  }

  // One offer: what and its cost, then when, in the words the API sends beside the opening_hours text.
  function offerItem(offer) {
    const item = el("li", null, offerSummary(offer));
    if (offer.schedule_text) {
      item.appendChild(el("br"));
      item.appendChild(el("span", "offer-when", offer.schedule_text));
    }
    return item;
  }

  function popupContent(feature) {
    const p = feature.properties;
    const category = categories[p.category] || { label: p.category };
    const root = el("div", "asset-popup");
    root.appendChild(el("h2", null, p.name));
    const meta = [category.label];
    if (p.neighbourhood_name) meta.push(p.neighbourhood_name);
    root.appendChild(el("p", "meta", meta.join(" · ")));
    if (p.location_precision === "generalised") {
      root.appendChild(el("p", null, "Shown near, not at, its real place."));
    }
    if (p.unconfirmed) {
      const since = new Date(p.last_confirmed_at);
      root.appendChild(el("p", "unconfirmed", "Not confirmed since " +
        since.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" }) +
        ": check before you go."));
    }
    const offers = p.capacity || [];
    if (offers.length) {
      root.appendChild(el("p", null, "Spare capacity:"));
      const list = el("ul");
      offers.forEach((o) => list.appendChild(offerItem(o)));
      root.appendChild(list);
    } else {
      root.appendChild(el("p", null, "No spare capacity offered yet."));
    }
    const link = el("a", "more", "More about " + p.name);
    link.href = assetPageUrl + encodeURIComponent(p.id);
    root.appendChild(el("p")).appendChild(link);
    return root;
  }

  function offersCapacity(feature) {
    return (feature.properties.capacity || []).length > 0;
  }

  function iconFor(feature) {
    return markerIcon(categories[feature.properties.category] || {}, offersCapacity(feature));
  }

  function makeMarker(feature) {
    const p = feature.properties;
    const xy = feature.geometry.coordinates;
    const icon = iconFor(feature);
    const marker = L.marker([xy[1], xy[0]], {
      icon: icon, title: p.name + (p.unconfirmed ? " (not confirmed lately)" : ""), keyboard: true,
      riseOnHover: true, opacity: p.unconfirmed ? 0.55 : 1,
    });
    marker.feature = feature;
    marker.bindPopup(() => popupContent(marker.feature), { maxWidth: 280 });
    return marker;
  }

  function viewBbox() {
    const b = map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    // Rounded outwards, so an asset on the edge of the view is not lost to rounding.
    return [
      Math.floor(clamp(b.getWest(), -180, 180) * 1e6) / 1e6,
      Math.floor(clamp(b.getSouth(), -90, 90) * 1e6) / 1e6,
      Math.ceil(clamp(b.getEast(), -180, 180) * 1e6) / 1e6,
      Math.ceil(clamp(b.getNorth(), -90, 90) * 1e6) / 1e6,
    ].join(",");
  }

  function firstUrl(bbox, codes, when) {
    const params = new URLSearchParams({ bbox: bbox, limit: String(PAGE_LIMIT) });
    if (codes.length < boxes.length) params.set("category", codes.join(","));
    if (when) params.set("when", when);
    return app.dataset.assetsUrl + "?" + params.toString();
  }

  function nextUrl(collection) {
    const next = (collection.links || []).find((l) => l.rel === "next");
    if (!next) return null;
    const url = new URL(next.href, window.location.href);
    return url.origin === window.location.origin ? url.href : null; // only ever follow our own API
  }

  function bboxOf(text) {
    return text.split(",").map(Number);
  }

  // With a margin of a rounding step, so a view zoomed in and out again counts as the one it was.
  function contains(outer, inner) {
    const e = 2e-6;
    return outer[0] <= inner[0] + e && outer[1] <= inner[1] + e &&
      outer[2] >= inner[2] - e && outer[3] >= inner[3] - e;
  }

  function isCovered(bbox, key) {
    return covered.some((c) => c.key === key && contains(c.bbox, bbox));
  }

  function inBbox(marker, bbox) {
    const at = marker.getLatLng();
    return at.lng >= bbox[0] && at.lat >= bbox[1] && at.lng <= bbox[2] && at.lat <= bbox[3];
  }

  // The cluster holds the markers of the ticked categories, of every view fetched so far.
  function showTicked() {
    const codes = new Set(ticked());
    const when = chosenWhen();
    const add = [];
    const remove = [];
    markers.forEach((marker, id) => {
      const show = wanted(marker, id, codes, when);
      if (show && !onMap.has(id)) {
        add.push(marker);
        onMap.add(id);
      } else if (!show && onMap.has(id)) {
        remove.push(marker);
        onMap.delete(id);
      }
    });
    if (remove.length) cluster.removeLayers(remove);
    if (add.length) cluster.addLayers(add);
  }

  function addPage(features, seen, when) {
    if (when && !freeAt.has(when)) freeAt.set(when, new Set());
    features.forEach((f) => {
      const id = f.properties.id;
      seen.add(id);
      if (when) freeAt.get(when).add(id);
      const known = markers.get(id);
      if (!known) {
        markers.set(id, makeMarker(f));
        return;
      }
      const redraw = known.feature.properties.category !== f.properties.category ||
        offersCapacity(known.feature) !== offersCapacity(f);
      known.feature = f;
      if (redraw) known.setIcon(iconFor(f));
      known.setOpacity(f.properties.unconfirmed ? 0.55 : 1);
    });
    showTicked();
  }

  // After a full fetch of `bbox`: a held marker there, of a fetched category, that the API no longer lists is gone.
  function forget(bbox, codes, seen) {
    const fetched = new Set(codes);
    const gone = [];
    markers.forEach((marker, id) => {
      if (!seen.has(id) && fetched.has(marker.feature.properties.category) && inBbox(marker, bbox)) {
        markers.delete(id);
        if (onMap.delete(id)) gone.push(marker);
      }
    });
    if (gone.length) cluster.removeLayers(gone);
  }

  function summary(n, when) {
    const free = when ? " with spare capacity free " + (when === "now" ? "now" : "at that time") : "";
    if (n === 0) return "No places" + free + " in this part of the map. Zoom out, or choose fewer filters.";
    return "Showing " + n + (n === 1 ? " place" : " places") + free + " in this part of the map.";
  }

  // The status counts the places in the view (data-bbox), of the ticked categories.
  function showCount() {
    const bbox = viewBbox();
    const view = bboxOf(bbox);
    const codes = new Set(ticked());
    const when = chosenWhen();
    let n = 0;
    markers.forEach((marker, id) => {
      if (wanted(marker, id, codes, when) && inBbox(marker, view)) n += 1;
    });
    app.dataset.bbox = bbox;
    app.dataset.count = String(n);
    setStatus(codes.size ? summary(n, when) : "No categories ticked: tick one or more to see places.", "ready");
  }

  function openRequested() {
    const marker = requested && onMap.has(requested) ? markers.get(requested) : null;
    if (!marker) return;
    requested = null;
    cluster.zoomToShowLayer(marker, () => marker.openPopup());
  }

  function stopFetching() {
    if (inflight) inflight.controller.abort();
    inflight = null;
  }

  async function load() {
    window.clearTimeout(timer);
    timer = null;
    if (updateTiles) {
      updateTiles(ticked(), boxes.length);
      return;
    }
    const codes = ticked();
    const bbox = viewBbox();
    const when = chosenWhen();
    // "now" moves on: never treat it as fetched already.
    const key = codes.join(",") + "|" + when + (when === "now" ? "|" + Date.now() : "");
    if (codes.length === 0 || isCovered(bboxOf(bbox), key)) {
      stopFetching();
      showTicked();
      showCount();
      openRequested();
      return;
    }
    if (inflight && inflight.key === key && contains(inflight.bbox, bboxOf(bbox))) return; // it will do
    stopFetching();
    const mine = { bbox: bboxOf(bbox), key: key, controller: new AbortController() };
    inflight = mine;
    setStatus("Loading places…", "loading");
    const seen = new Set();
    try {
      let url = firstUrl(bbox, codes, when);
      while (url) {
        const response = await fetch(url, {
          signal: mine.controller.signal, headers: { Accept: "application/geo+json" },
        });
        if (!response.ok) throw new Error("the API answered " + response.status);
        const collection = await response.json();
        if (inflight !== mine) return; // a newer load took over
        addPage(collection.features || [], seen, when);
        url = nextUrl(collection);
      }
    } catch (err) {
      if (err.name === "AbortError" || inflight !== mine) return;
      inflight = null;
      setStatus("Sorry, the places could not be loaded. Move the map to try again, or use the list of places.",
                "error");
      return;
    }
    inflight = null;
    if (when) {
      // A "when" fetch lists only what is free then: it says nothing of the rest, so forget nothing; but an id
      // it no longer lists in this view is not free then any more.
      freeAt.get(when).forEach((id) => {
        const marker = markers.get(id);
        if (!seen.has(id) && marker && inBbox(marker, mine.bbox)) freeAt.get(when).delete(id);
      });
      showTicked();
    } else {
      forget(mine.bbox, codes, seen);
    }
    covered.push({ bbox: mine.bbox, key: key });
    showCount();
    openRequested();
  }

  function loadSoon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(load, DEBOUNCE_MS);
    app.dataset.state = "pending";
  }

  // #zoom/lat/lon in the address opens the map there (asset pages link to it) and follows the view.
  function viewFromHash() {
    const m = /^#(\d{1,2})\/(-?\d{1,3}(?:\.\d+)?)\/(-?\d{1,3}(?:\.\d+)?)$/.exec(window.location.hash);
    if (!m) return;
    const lat = Number(m[2]);
    const lon = Number(m[3]);
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return;
    map.setView([lat, lon], Math.min(Number(m[1]), map.getMaxZoom()), { animate: false });
  }

  function hashFromView() {
    const c = map.getCenter();
    const hash = "#" + map.getZoom() + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5);
    if (window.location.hash !== hash) window.history.replaceState(null, "", hash);
  }

  function showFilterCount() {
    const n = ticked().length;
    filterCount.textContent = n === boxes.length ? "(all " + n + " shown)" : "(" + n + " of " + boxes.length + " shown)";
  }

  if (tilesLayer) {
    updateTiles = window.AssetMapTiles.start(map, tilesLayer, {
      popupFor: popupContent, assetUrl: app.dataset.assetsUrl + "/", setStatus: setStatus,
      requested: requested,
    });
  }
  if (whenForm && !tilesLayer) { // at tile scale the form goes to /capacity, which searches every offer
    whenForm.addEventListener("change", () => {
      const when = chosenWhen();
      whenCount.textContent = when ? "(" + (when === "now" ? "now" : when) + ")" : "(any time)";
      showTicked();
      loadSoon();
    });
    whenForm.addEventListener("submit", (event) => event.preventDefault()); // the map follows each change
  }
  form.addEventListener("change", () => {
    showFilterCount();
    showTicked(); // at once, before any fetch
    loadSoon();
  });
  window.addEventListener("hashchange", viewFromHash);
  keepMapSized(map); // it changes size when the filter opens or closes on a phone
  map.on("moveend", () => {
    hashFromView();
    loadSoon();
  });

  // Wide screens have room for the filter beside the map: open it there; phones keep the map in view.
  if (window.matchMedia("(min-width: 50rem)").matches) details.open = true;
  cluster.options.iconCreateFunction = clusterIcon; // before the first marker: icons are made as clusters form
  window.AssetMapKeyboard.enable(map, document.getElementById("skip-to-map"));
  showFilterCount();
  viewFromHash();
  window.AssetMapNeighbourhoods.show(map, app.dataset.neighbourhoodsUrl, document.getElementById("shade-choice"),
                                     document.getElementById("shade-legend"));
  load();
})();
