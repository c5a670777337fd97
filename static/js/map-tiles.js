/* The public map at tile scale: the published assets drawn from our vector tiles on a canvas (Leaflet.VectorGrid,
 * which folium added as the layer named in #map-app's data-tiles-layer).
 *
 * Zoomed out, each tile carries grid cells with the number of places under them (`count`): a disc that grows with
 * the number; selecting one zooms in. Close up, each place is a dot in its category group's colour, with a dark
 * ring when it offers spare capacity; selecting one fetches it from the API and opens the same popup as the marker
 * map. The category filter rewrites the tiles' URL.
 */
(function () {
  "use strict";

  // VectorGrid 1.3.0 (the last release) calls L.DomEvent.fakeStop on a click on its canvas, which Leaflet 1.8
  // removed (Leaflet.VectorGrid#274): without it no dot could be clicked. Stopping the event's propagation is
  // what it was for.
  if (!L.DomEvent.fakeStop) L.DomEvent.fakeStop = L.DomEvent.stopPropagation;
  // Its dots are circle markers with no position of their own (they are drawn in the tile's pixels), and Leaflet
  // 1.9 takes a small circle's click position from that position: it has none, and the click failed. Without
  // getLatLng, Leaflet takes it from the pointer, as for any shape.
  const createLayer = L.VectorGrid.prototype._createLayer;
  L.VectorGrid.prototype._createLayer = function (feature) {
    const made = createLayer.apply(this, arguments);
    if (feature.type === 1) made.getLatLng = null;
    return made;
  };

  let categories = null;

  // Category colours from the filter's checkboxes (as public-map.js reads them), looked up when the first tile is
  // drawn: that can be before public-map.js has run, which is why this script loads in the page's head.
  function colour(category) {
    if (categories === null) {
      categories = {};
      document.querySelectorAll('#category-filter input[name="category"]').forEach((box) => {
        categories[box.value] = box.dataset.colour;
      });
    }
    return categories[category] || "#555555";
  }

  function style(properties) {
    if (properties.count !== undefined) {
      const radius = Math.min(28, 7 + 3.5 * Math.log2(properties.count));
      return { radius: radius, fill: true, fillColor: "#0b5394", fillOpacity: 0.8, color: "#ffffff", weight: 2 };
    }
    return { radius: 6, fill: true, fillColor: colour(properties.category), fillOpacity: 0.95,
             color: properties.capacity ? "#1d1d1b" : "#ffffff", weight: properties.capacity ? 3 : 1.5 };
  }

  // layer: the L.vectorGrid.protobuf; popupFor(feature) builds a popup from an API Feature; setStatus(text, state).
  function start(map, layer, options) {
    const baseUrl = layer._url.split("?")[0];
    function open(id, latlng) {
      fetch(options.assetUrl + encodeURIComponent(id), { headers: { Accept: "application/geo+json" } })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
        .then((feature) => {
          const at = latlng || L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
          L.popup().setLatLng(at).setContent(options.popupFor(feature)).openOn(map);
        })
        .catch(() => options.setStatus("Sorry, that place could not be loaded. Try again.", "error"));
    }

    layer.on("click", (event) => {
      const p = event.layer.properties;
      if (p.count !== undefined) map.setView(event.latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
      else open(p.id, event.latlng);
    });
    if (options.requested) open(options.requested);   // ?asset=<id>: an asset page's "Show on the map"
    const ready = () => options.setStatus("Places shown from map tiles: zoom in to see each one.", "ready");
    layer.on("loading", () => options.setStatus("Loading places…", "loading"));
    layer.on("load", ready);
    // folium added the layer before this script ran: its first tiles may have arrived already.
    if (!layer.isLoading()) ready();

    return function update(codes, all) {
      if (!codes.length) {
        map.removeLayer(layer);
        options.setStatus("No categories chosen: tick some to see places.", "ready");
        return;
      }
      const url = baseUrl + (codes.length === all ? "" : "?category=" + codes.map(encodeURIComponent).join(","));
      if (!map.hasLayer(layer)) layer.addTo(map);
      if (url !== layer._url) layer.setUrl(url);
      if (!layer.isLoading()) ready();   // the tiles of this view came while the map waited to settle
    };
  }

  window.AssetMapTiles = { style: style, start: start };
})();
