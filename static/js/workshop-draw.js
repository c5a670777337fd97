/* Drawing an area on a Leaflet map by tapping its corners: for the workshop set-up and for area notes.
 *
 * Tap the map to add a corner, then press Finish to close the shape. Works with a finger,
 * a mouse and, through the buttons the page provides, without a pointer. No plugin: leaflet-draw's toolbar is
 * hard to use on a phone and heavier than the few lines needed here.
 */
(function () {
  "use strict";

  function polygon(map, options) {
    const opts = Object.assign({ color: "#1d1d1b", onChange: function () {} }, options || {});
    let corners = [];
    let active = false;
    let finished = null;
    const group = L.layerGroup().addTo(map);

    function redraw() {
      group.clearLayers();
      if (finished) {
        L.polygon(finished, { color: opts.color, weight: 3, fillOpacity: 0.15 }).addTo(group);
      } else if (corners.length) {
        L.polyline(corners, { color: opts.color, weight: 3, dashArray: "6 6" }).addTo(group);
        corners.forEach((c) => L.circleMarker(c, { radius: 5, color: opts.color }).addTo(group));
      }
      opts.onChange({ corners: corners.length, finished: !!finished });
    }

    function onClick(event) {
      if (!active || finished) return;
      corners.push(event.latlng);
      redraw();
    }

    map.on("click", onClick);

    return {
      start: function () { active = true; corners = []; finished = null; redraw(); },
      stop: function () { active = false; },
      clear: function () { corners = []; finished = null; redraw(); },
      canFinish: function () { return corners.length >= 3; },
      finish: function () {
        if (corners.length < 3) return null;
        finished = corners.slice();
        active = false;
        redraw();
        return this.geometry();
      },
      show: function (geometry) {
        if (!geometry) return;
        const rings = geometry.type === "MultiPolygon" ? geometry.coordinates[0] : geometry.coordinates;
        finished = rings[0].slice(0, -1).map((c) => L.latLng(c[1], c[0]));
        corners = finished.slice();
        redraw();
        map.fitBounds(L.latLngBounds(finished), { animate: false });
      },
      geometry: function () {
        if (!finished) return null;
        const ring = finished.map((c) => [Number(c.lng.toFixed(6)), Number(c.lat.toFixed(6))]);
        ring.push(ring[0]);
        return { type: "Polygon", coordinates: [ring] };
      },
      remove: function () { map.off("click", onClick); group.remove(); },
    };
  }

  window.AssetMapDraw = { polygon: polygon };
})();
