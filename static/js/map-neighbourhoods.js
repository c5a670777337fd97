/* Neighbourhood outlines on the public map: their names, and shading by places or spare capacity per 1,000
 * residents (counted by the database: /api/v1/neighbourhoods carries the rates).
 *
 * Names are permanent labels, shown from LABEL_ZOOM in, under the markers and never in their way. Outlines have no
 * hover tooltip: Leaflet makes a path with one focusable, and thirty outlines would be thirty Tab stops before the
 * first place. Shades are greys, light to dark, so they cannot be mistaken for a category group's colour and read
 * the same without colour vision; classes are quintiles, as the rates are skewed.
 */
(function () {
  "use strict";

  const { el } = window.AssetMapDom;
  const LABEL_ZOOM = 13;
  const SHADES = ["#f7f7f7", "#cccccc", "#969696", "#636363", "#252525"]; // ColorBrewer Greys
  const OUTLINE = { color: "#3b3b3b", weight: 1.5, opacity: 0.8, fillColor: "#3b3b3b", fillOpacity: 0.03 };

  function formatRate(value) {
    return value.toLocaleString("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  }

  // Up to four thresholds: a value's class is how many of them it reaches.
  function quintiles(values) {
    const sorted = values.slice().sort((a, b) => a - b);
    const cuts = [1, 2, 3, 4].map((k) => sorted[Math.floor((k * sorted.length) / 5)]);
    return cuts.filter((v, i) => v > sorted[0] && cuts.indexOf(v) === i);
  }

  function classOf(value, cuts) {
    return cuts.filter((c) => value >= c).length;
  }

  function legendItems(cuts) {
    if (cuts.length === 0) return ["all the same"];
    return [0, ...cuts].map((low, i) => {
      if (i === 0) return "under " + formatRate(cuts[0]);
      if (i === cuts.length) return formatRate(low) + " or more";
      return formatRate(low) + " to under " + formatRate(cuts[i]);
    });
  }

  function label(feature, measure, unit) {
    const root = el("span");
    root.appendChild(el("span", "name", feature.properties.name));
    const value = measure ? feature.properties[measure] : null;
    if (measure) {
      root.appendChild(el("span", "rate", value === null ? "no population figure" : formatRate(value) + unit));
    }
    // Residents' skills and hours are published only as these totals (the API leaves out any below its minimum).
    (feature.properties.capacity_totals || []).forEach((t) => {
      const amount = t.quantity === null ? "" : t.quantity.toLocaleString("en-GB") + " " + (t.unit_words || "") + ", ";
      root.appendChild(el("span", "capacity-total", t.kind_label + ": " + amount + t.people + (t.people === 1 ? " resident" : " residents")));
    });
    return root;
  }

  // `choice`: the radio buttons (value: a property of the API's features, or "" for none); `legend`: where the
  // classes are explained.
  function show(map, url, choice, legend) {
    const pane = map.createPane("neighbourhood-labels");
    pane.style.zIndex = 450; // above the outlines, below the markers and popups
    pane.style.pointerEvents = "none";
    const container = map.getContainer();
    const showNames = () => container.classList.toggle("show-neighbourhood-names", map.getZoom() >= LABEL_ZOOM);
    map.on("zoomend", showNames);
    showNames();

    function shade(layer) {
      const checked = choice.querySelector("input:checked");
      const measure = checked ? checked.value : "";
      const unit = measure ? " " + checked.dataset.unit : "";
      const values = [];
      let unknown = 0;
      layer.eachLayer((l) => {
        const v = measure ? l.feature.properties[measure] : null;
        if (v !== null && v !== undefined) values.push(v);
        else unknown += 1;
      });
      const cuts = quintiles(values);
      layer.eachLayer((l) => {
        const v = measure ? l.feature.properties[measure] : null;
        const shaded = measure && v !== null && v !== undefined;
        l.setStyle(shaded ? { fillColor: SHADES[classOf(v, cuts)], fillOpacity: 0.55 } : OUTLINE);
        l.setTooltipContent(label(l.feature, measure, unit));
      });
      legend.replaceChildren();
      legend.hidden = !measure;
      if (!measure) return;
      legend.appendChild(el("p", "shade-title", checked.dataset.label));
      const list = el("ol");
      legendItems(cuts).forEach((text, i) => {
        const item = el("li");
        const swatch = el("span", "shade-swatch");
        swatch.style.backgroundColor = SHADES[i];
        item.append(swatch, text);
        list.appendChild(item);
      });
      if (unknown) list.appendChild(el("li", "no-figure", "no population figure: not shaded"));
      legend.appendChild(list);
    }

    fetch(url, { headers: { Accept: "application/geo+json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error("the API answered " + r.status))))
      .then((collection) => {
        const layer = L.geoJSON(collection, {
          style: OUTLINE,
          // A guide to look at, not to click: clicks go through to the places drawn from tiles beneath.
          interactive: false,
          onEachFeature: (f, l) => {
            l.bindTooltip(label(f, "", ""), {
              permanent: true, direction: "center", className: "neighbourhood-label", pane: "neighbourhood-labels",
            });
          },
        }).addTo(map).bringToBack();
        choice.addEventListener("change", () => shade(layer));
        shade(layer);
        container.dataset.neighbourhoods = "ready";
      })
      .catch(() => {
        /* Outlines are a guide only: the map works without them. */
      });
  }

  window.AssetMapNeighbourhoods = { show: show };
})();
