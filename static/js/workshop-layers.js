/* The layers a facilitator chose for a workshop (GET …/layers/<layer>), under the notes, each in the map's layer
 * control; the first is shown at once. Popups are built with textContent only. */
(function () {
  "use strict";
  // Points are small grey dots; the analysis layers (with a `figure`) are shaded light to dark by fifths.
  const SHADES = ["#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"];

  function show(map, api, layers, noteLayer) {
    const codes = Object.keys(layers);
    if (!codes.length) return;
    const control = L.control.layers(null, {}, { collapsed: true }).addTo(map);
    map.on("overlayadd", () => noteLayer.bringToFront());   // notes stay on top of whatever is shown
    codes.forEach((code, index) => {
      fetch(api + "/layers/" + code, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null)).then((fc) => {
        if (!fc) return;
        const figures = fc.features.map((f) => f.properties.figure).filter((x) => typeof x === "number").sort((a, b) => a - b);
        const shade = (x) => SHADES[Math.min(4, Math.floor(5 * figures.filter((y) => y < x).length / Math.max(1, figures.length)))];
        const layer = L.geoJSON(fc, {
          pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 4, weight: 1, color: "#4a4a48", fillColor: "#bdbdbd",
                                                               fillOpacity: 0.9 }),
          style: (f) => (typeof f.properties.figure === "number" ?
            { color: "#4a4a48", weight: 1, fillColor: shade(f.properties.figure), fillOpacity: 0.55 } :
            { color: "#4a4a48", weight: 1, fillOpacity: 0.05 }),
          onEachFeature: (f, l) => {
            const p = f.properties;
            const box = AssetMapDom.el("div");
            box.appendChild(AssetMapDom.el("strong", null, p.name || p.service || ""));
            const detail = p.figure_label || p.kind_label || p.category_label || p.agency || "";
            if (detail) box.appendChild(AssetMapDom.el("p", null, detail));
            l.bindPopup(box);
          },
        });
        control.addOverlay(layer, layers[code]);
        if (index === 0) { layer.addTo(map); noteLayer.bringToFront(); }
      });
    });
  }

  window.AssetMapWorkshopLayers = { show: show };
})();
