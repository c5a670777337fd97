/* The public map at /.
 *
 * folium has drawn the map and an empty marker cluster; their variable names, the API URLs and the capacity-kind
 * labels come in data attributes of #map-app, and category labels and colours from the filter's checkboxes.
 * Published assets are fetched from the API for the current view and ticked categories, page by page, again
 * after every move. User text only ever reaches the page through textContent, never innerHTML.
 */
(function () {
  "use strict";

  const { el, keepMapSized } = window.AssetMapDom;
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
  const categories = {};
  boxes.forEach((box) => {
    categories[box.value] = { label: box.dataset.label, colour: box.dataset.colour };
  });

  const PAGE_LIMIT = 1000;
  const DEBOUNCE_MS = 250;
  const UNITS = JSON.parse(app.dataset.units || "{}"); // unit → [singular, plural], from data/units.csv

  const markers = new Map(); // asset id → L.marker, for the assets now in the cluster
  let controller = null;
  let timer = null;
  let shown = ""; // bbox and categories of the markers now shown, to skip a fetch that would change nothing

  // data-state: "pending" (a load is due), "loading", "ready" or "error"; tests wait for "ready".
  function setStatus(text, state) {
    statusLine.textContent = text;
    app.dataset.state = timer === null ? state : "pending";
  }

  function ticked() {
    return boxes.filter((b) => b.checked).map((b) => b.value);
  }

  function quantityInWords(quantity, unit) {
    if (quantity === null || quantity === undefined || !unit) return "";
    const words = UNITS[unit] || [unit.replace(/_/g, " "), unit.replace(/_/g, " ")];
    return quantity + " " + (Number(quantity) === 1 ? words[0] : words[1]);
  }

  function offerSummary(offer) {
    let text = kindLabels[offer.kind] || offer.kind;
    const amount = quantityInWords(offer.quantity, offer.unit);
    if (amount) text += ": " + amount;
    if (offer.cost === "free") text += ", free";
    return text;
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
    const offers = p.capacity || [];
    if (offers.length) {
      root.appendChild(el("p", null, "Spare capacity:"));
      const list = el("ul");
      offers.forEach((o) => list.appendChild(el("li", null, offerSummary(o))));
      root.appendChild(list);
    } else {
      root.appendChild(el("p", null, "No spare capacity offered yet."));
    }
    const link = el("a", "more", "More about " + p.name);
    link.href = assetPageUrl + encodeURIComponent(p.id);
    root.appendChild(el("p")).appendChild(link);
    return root;
  }

  function makeMarker(feature) {
    const p = feature.properties;
    const xy = feature.geometry.coordinates;
    const dot = el("span");
    dot.style.backgroundColor = (categories[p.category] || {}).colour || "#555555";
    const icon = L.divIcon({
      className: "asset-marker", html: dot, iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -10],
    });
    const marker = L.marker([xy[1], xy[0]], { icon: icon, title: p.name, keyboard: true, riseOnHover: true });
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

  function firstUrl(bbox, codes) {
    const params = new URLSearchParams({ bbox: bbox, limit: String(PAGE_LIMIT) });
    if (codes.length < boxes.length) params.set("category", codes.join(","));
    return app.dataset.assetsUrl + "?" + params.toString();
  }

  function nextUrl(collection) {
    const next = (collection.links || []).find((l) => l.rel === "next");
    if (!next) return null;
    const url = new URL(next.href, window.location.href);
    return url.origin === window.location.origin ? url.href : null; // only ever follow our own API
  }

  function addPage(features, seen) {
    const fresh = [];
    features.forEach((f) => {
      const id = f.properties.id;
      seen.add(id);
      const known = markers.get(id);
      if (known) {
        known.feature = f;
      } else {
        const marker = makeMarker(f);
        markers.set(id, marker);
        fresh.push(marker);
      }
    });
    if (fresh.length) cluster.addLayers(fresh);
  }

  function removeWhere(test) {
    const gone = [];
    markers.forEach((marker, id) => {
      if (test(id, marker)) {
        gone.push(marker);
        markers.delete(id);
      }
    });
    if (gone.length) cluster.removeLayers(gone);
  }

  function summary(n) {
    if (n === 0) return "No places in this part of the map. Zoom out, or tick more categories.";
    return "Showing " + n + (n === 1 ? " place" : " places") + " in this part of the map.";
  }

  async function load() {
    timer = null;
    if (controller) controller.abort();
    controller = new AbortController();
    const signal = controller.signal;
    const codes = ticked();
    if (codes.length === 0) {
      removeWhere(() => true);
      shown = "";
      app.dataset.count = "0";
      setStatus("No categories ticked: tick one or more to see places.", "ready");
      return;
    }
    const bbox = viewBbox();
    const key = bbox + "|" + codes.join(",");
    if (key === shown) {
      setStatus(statusLine.textContent, "ready");
      return;
    }
    shown = "";
    app.dataset.bbox = bbox;
    setStatus("Loading places…", "loading");
    const seen = new Set();
    try {
      let url = firstUrl(bbox, codes);
      while (url) {
        const response = await fetch(url, { signal: signal, headers: { Accept: "application/geo+json" } });
        if (!response.ok) throw new Error("the API answered " + response.status);
        const collection = await response.json();
        addPage(collection.features || [], seen);
        url = nextUrl(collection);
      }
    } catch (err) {
      if (err.name === "AbortError") return; // a newer load took over
      setStatus("Sorry, the places could not be loaded. Move the map to try again, or use the list of places.",
                "error");
      return;
    }
    removeWhere((id) => !seen.has(id));
    shown = key;
    app.dataset.count = String(seen.size);
    setStatus(summary(seen.size), "ready");
  }

  function loadSoon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(load, DEBOUNCE_MS);
    app.dataset.state = "pending";
  }

  function loadNeighbourhoods() {
    fetch(app.dataset.neighbourhoodsUrl, { headers: { Accept: "application/geo+json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error("the API answered " + r.status))))
      .then((collection) => {
        L.geoJSON(collection, {
          style: { color: "#3b3b3b", weight: 1.5, opacity: 0.8, fillColor: "#3b3b3b", fillOpacity: 0.03 },
          onEachFeature: (f, layer) => {
            layer.bindTooltip(el("span", "neighbourhood-label", f.properties.name), { sticky: true });
          },
        }).addTo(map).bringToBack();
      })
      .catch(() => {
        /* Outlines are a guide only: the map works without them. */
      });
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

  form.addEventListener("change", () => {
    showFilterCount();
    const codes = new Set(ticked());
    removeWhere((id, marker) => !codes.has(marker.feature.properties.category)); // at once, before the fetch
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
  showFilterCount();
  viewFromHash();
  loadNeighbourhoods();
  load();
})();
