/* /planner/overlaps: services or agencies per neighbourhood as a choropleth, every catchment's outline and every
 * area two catchments share on demand (vector tiles from /tiles/analysis/, which folium put on the page unshown:
 * they grow with the services, so they are never fetched whole), and the pooling candidates; choosing a pair draws
 * its two catchments and the area they share. Shared parts are in analysis-map.js.
 */
(function () {
  "use strict";

  const A = window.AssetMapAnalysis;
  const { el } = window.AssetMapDom;
  const page = A.start();
  const { map, config, words, root } = page;
  const shadeChoice = document.querySelector(".shade-choice");
  const outlinesBox = document.getElementById("show-catchments");
  const details = document.getElementById("density-details");
  const PAIR = [
    { color: "#0b4f8a", weight: 3, dashArray: "8 5", fillOpacity: 0, className: "pair-catchment pair-a" },
    { color: "#8a3b00", weight: 3, dashArray: "2 5", fillOpacity: 0, className: "pair-catchment pair-b" },
  ];
  const SHARED = { color: "#1d1d1b", weight: 2, fillColor: "#542788", fillOpacity: 0.45, className: "pair-overlap" };

  const pairLayer = L.featureGroup();
  const outlines = A.tileLayer(config, "analysis_catchments");
  const sharedAreas = A.tileLayer(config, "overlaps");
  let density = null; // the choropleth layer

  function measure() {
    return shadeChoice.querySelector("input:checked").value; // "services" or "agencies"
  }

  function shade() {
    const key = measure();
    const values = [];
    density.eachLayer((l) => values.push(l.feature.properties[key]));
    const cuts = A.quintileCuts(values);
    density.setStyle((f) => ({ fillColor: A.SEQUENTIAL[A.classOf(f.properties[key], cuts)] }));
    A.legend(
      (key === "services" ? "Services" : "Agencies") + " reaching each neighbourhood",
      A.sequentialClasses(cuts, (v) => A.number(v) + " " + key),
      ["Chosen pair: blue dashes and brown dots are the two catchments; purple is the area they share."]);
  }

  function showDensity(p) {
    details.replaceChildren(el("h3", null, p.name + " (" + p.code + ")"));
    details.appendChild(el("p", null,
      A.number(p.services) + " services from " + A.number(p.agencies) + " agencies reach " +
      (p.population === null ? "this neighbourhood" : "its " + A.number(p.population) + " residents") + "."));
    const byTheme = Object.entries(p.by_theme || {}).map(([k, v]) => [A.wordFor("themes", k, words), v]);
    const byGroup = Object.entries(p.by_client_group || {}).map(([k, v]) => [A.wordFor("client_groups", k, words), v]);
    details.appendChild(A.breakdownList("Services by theme", byTheme, (v) => A.number(v)));
    details.appendChild(A.breakdownList("Services by client group", byGroup, (v) => A.number(v)));
  }

  // A shared area chosen on the map: the pair and what they share, in words (the tile's own figures).
  function sharedPopup(p) {
    const box = el("div", "shared-area");
    box.appendChild(el("h3", null, p.name_a + " and " + p.name_b));
    box.appendChild(el("p", null, "Share " + A.number(p.overlap_km2, 2) + " km², where " +
      A.number(p.population_both) + " people live."));
    return box;
  }

  async function showPair(row) {
    const ids = row.service_a + "," + row.service_b;
    page.status("Drawing " + row.name_a + " and " + row.name_b + "…", "loading");
    try {
      const [catchments, overlap] = await Promise.all([
        A.getJson(A.withQuery(config.urls.catchments, { services: ids })),
        A.getJson(A.withQuery(config.urls.overlap_shapes, { services: ids })),
      ]);
      pairLayer.clearLayers();
      catchments.features.forEach((f) => {
        const style = PAIR[f.properties.service_id === row.service_a ? 0 : 1];
        L.geoJSON(f, { style: () => style, interactive: false }).addTo(pairLayer);
      });
      L.geoJSON(overlap, { style: () => SHARED, interactive: false }).addTo(pairLayer);
      if (!map.hasLayer(pairLayer)) pairLayer.addTo(map);
      A.fit(map, pairLayer);
      root.dataset.pair = row.service_a + "-" + row.service_b;
      page.status(row.name_a + " and " + row.name_b + " share " + A.number(row.overlap_km2, 2) + " km², where " +
        A.number(row.population_both) + " people live.", "ready");
    } catch (err) {
      page.status("Could not draw that pair: " + err.message, "error");
    }
  }

  function fillTables(pooling, densityRows) {
    A.fillTable(document.getElementById("pooling-table"), pooling.features.map((f) => f.properties),
      (r) => r.name_a + " and " + r.name_b,
      (r) => [
        r.agency_a + " (" + A.wordFor("agency_kinds", r.agency_kind_a, words) + "); " +
          r.agency_b + " (" + A.wordFor("agency_kinds", r.agency_kind_b, words) + ")",
        r.shared_client_groups.map((g) => A.wordFor("client_groups", g, words)).join(", "),
        A.number(r.overlap_km2, 2),
        A.percent(r.share_a) + " / " + A.percent(r.share_b),
        A.number(r.population_both),
        A.money(r.combined_spend),
        A.number(r.population_term, 2), A.number(r.client_groups_term, 2), A.number(r.shares_term, 2),
        A.number(r.spend_term, 2), A.number(r.score, 2),
      ],
      showPair);
    A.fillTable(document.getElementById("density-table"), densityRows, (r) => r.name + " (" + r.code + ")",
      (r) => [A.number(r.population), A.number(r.services), A.number(r.agencies)],
      (r) => {
        showDensity(r);
        density.eachLayer((l) => l.feature.properties.code === r.code && A.fit(map, L.featureGroup([l])));
      });
  }

  async function load() {
    page.status("Loading the figures…", "loading");
    try {
      const data = await A.getAll(config.urls, ["density", "pooling"]);
      density = A.areas(data.density, () => ({}), (f) => {
        showDensity(f.properties);
        details.scrollIntoView({ block: "nearest" });
      }).addTo(map);
      shade();
      A.fit(map, density);
      shadeChoice.addEventListener("change", shade);
      A.layerControl(map, {
        "Services or agencies per neighbourhood": density,
        "Every catchment's outline": outlines,
        "Every area two catchments share": sharedAreas,
        "The chosen pair": pairLayer.addTo(map),
      });
      sharedAreas.on("click", (e) => {
        L.popup().setLatLng(e.latlng).setContent(sharedPopup(e.layer.properties)).openOn(map);
      });
      map.on("overlayadd", (e) => e.layer === outlines && (outlinesBox.checked = true));
      map.on("overlayremove", (e) => e.layer === outlines && (outlinesBox.checked = false));
      outlinesBox.addEventListener("change", () => (outlinesBox.checked ? outlines.addTo(map) : outlines.remove()));
      fillTables(data.pooling, data.density.features.map((f) => f.properties));
      const pairs = data.pooling.features.length;
      page.status(A.number(pairs) + (pairs === 1 ? " pooling candidate" : " pooling candidates") + " among " +
        A.number(data.density.features.length) + " neighbourhoods.", "ready");
    } catch (err) {
      page.status("Could not load the figures: " + err.message, "error");
    }
  }

  load();
})();
