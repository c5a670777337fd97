/* /planner/capacity: for one kind of capacity at a time, each neighbourhood's weekly surplus or deficit on a
 * diverging scale, the suggested links as flow lines (wider for more), and the direct matches of offers to needs.
 * Kinds are never added together, so the map and the tables show the kind chosen in "Show on the map".
 * Shared parts are in analysis-map.js.
 */
(function () {
  "use strict";

  const A = window.AssetMapAnalysis;
  const { el } = window.AssetMapDom;
  const page = A.start();
  const { map, config, words, root } = page;
  const kindChoice = document.getElementById("show-kind");
  const summaryLine = document.getElementById("capacity-summary");
  const LINK = { color: "#1d1d1b", opacity: 0.75, lineCap: "round", className: "link-line" };
  const MATCH = { color: "#0b4f8a", weight: 2, opacity: 0.8, dashArray: "3 5", className: "match-line" };
  const CHOSEN = { color: "#ffbf47", weight: 8, opacity: 1, fill: false, className: "chosen-line" };

  const outlines = L.featureGroup();
  const balanceLayer = L.featureGroup();
  const linkLayer = L.featureGroup();
  const matchLayer = L.featureGroup();
  const chosenLayer = L.featureGroup();
  let data = null;

  function kindKey(p) {
    return p.kind + "/" + p.unit;
  }

  function unitWords(unit) {
    return A.wordFor("units", unit, words);
  }

  function kindWords(p) {
    return A.wordFor("kinds", p.kind, words) + " (" + unitWords(p.unit) + ")";
  }

  function amount(v, unit) {
    return A.figure(v) + " " + unitWords(unit);
  }

  function offerList(offers) {
    return (offers || []).map((o) => o.asset_name + " (" + A.number(o.supply) + ")").join("; ");
  }

  function needList(needs) {
    return (needs || []).map((n) => n.title + (n.organisation ? ", " + n.organisation : "") +
      " (" + A.number(n.demand) + ")").join("; ");
  }

  function highlight(geojson) {
    chosenLayer.clearLayers();
    const layer = L.geoJSON(geojson, { style: () => CHOSEN, interactive: false }).addTo(chosenLayer);
    chosenLayer.bringToFront();
    A.fit(map, layer);
  }

  function draw(key) {
    const [kind, unit] = key.split("/");
    const of = (collection) => collection.features.filter((f) => kindKey(f.properties) === key);
    const balances = of(data.capacity);
    const links = of(data.links);
    // A match is between an offer and a need in their own unit (places, not place-hours): same kind is enough.
    const matches = data.matches.features.filter((f) => f.properties.kind === kind);
    root.dataset.kind = key;
    [balanceLayer, linkLayer, matchLayer, chosenLayer].forEach((l) => l.clearLayers());

    const scale = A.balanceScale(balances.map((f) => f.properties.balance));
    A.areas({ type: "FeatureCollection", features: balances }, (f) => ({ fillColor: scale.colour(f.properties.balance) }),
      (f) => highlight(f)).addTo(balanceLayer);
    const most = Math.max(1, ...links.map((f) => f.properties.amount));
    links.forEach((f) => {
      const weight = 2 + 10 * Math.sqrt(f.properties.amount / most);
      L.geoJSON(f, { style: () => Object.assign({ weight: weight }, LINK) }).addTo(linkLayer);
      const end = f.geometry.coordinates[f.geometry.coordinates.length - 1];
      L.circleMarker([end[1], end[0]], { radius: 4 + weight / 2, color: "#1d1d1b", fillColor: "#1d1d1b",
        fillOpacity: 1, interactive: false }).addTo(linkLayer);
    });
    L.geoJSON({ type: "FeatureCollection", features: matches }, { style: () => MATCH, interactive: false })
      .addTo(matchLayer);
    A.legend("Spare or short each week, in " + unitWords(unit), scale.classes((v) => amount(v, unit)), [
      "Dark lines: suggested links, from the neighbourhood with spare capacity to the dot where it is short; " +
      "wider for more (the widest moves " + amount(most, unit) + ").",
      "Blue dashes (Direct matches, in the layer list): an offer that could meet a need.",
      "Dashed outline: nothing of this kind offered or needed.",
    ]);

    A.fillTable(document.getElementById("balance-table"), balances.map((f) => f.properties),
      (r) => r.name + " (" + r.code + ")",
      (r) => [A.figure(r.supply), A.figure(r.need), A.figure(r.balance), unitWords(r.unit)],
      (r) => highlight(balances.find((f) => f.properties.code === r.code)));
    A.fillTable(document.getElementById("links-table"), links.map((f) => f.properties),
      (r) => r.from_name + " (" + r.from_code + ")",
      (r) => [r.to_name + " (" + r.to_code + ")", A.figure(r.amount), unitWords(r.unit),
        A.number(r.distance_km, 2), offerList(r.offers), needList(r.needs)],
      (r) => highlight(links.find((f) => f.properties === r)));
    A.fillTable(document.getElementById("matches-table"), matches.map((f) => f.properties),
      (r) => r.need_title,
      (r) => [r.asset_name, A.wordFor("kinds", r.kind, words), A.number(r.distance_m), r.times || ""],
      (r) => highlight(matches.find((f) => f.properties === r)));
    const moved = ((data.links.summary || {}).by_kind || {})[key];
    summaryLine.textContent = !moved ? "" : "Short in all: " + amount(moved.deficit, unit) + "; spare in all: " +
      amount(moved.surplus, unit) + ". The suggested links meet " + amount(moved.moved, unit) + " of the shortfall" +
      (moved.moved < moved.deficit ? "; the rest has no spare capacity near enough." : ".");
    page.status(kindWords({ kind: kind, unit: unit }) + ": " + A.number(balances.length) +
      " neighbourhoods, " + A.number(links.length) + " suggested links, " + A.number(matches.length) +
      " direct matches.", "ready");
  }

  function offerKinds() {
    const seen = new Map();
    data.capacity.features.forEach((f) => seen.set(kindKey(f.properties), f.properties));
    kindChoice.replaceChildren();
    Array.from(seen.entries()).sort().forEach(([key, p]) => {
      const option = el("option", null, kindWords(p));
      option.value = key;
      kindChoice.appendChild(option);
    });
    if (!seen.size) kindChoice.appendChild(el("option", null, "No capacity offered or needed"));
    return seen.size > 0;
  }

  async function load() {
    page.status("Loading the figures…", "loading");
    try {
      data = await A.getAll(config.urls, ["capacity", "links", "matches", "neighbourhoods"]);
      L.geoJSON(data.neighbourhoods, { style: () => A.NO_DATA, interactive: false }).addTo(outlines);
      // Direct matches stay in the layer list until asked for: drawn all at once they hide the links.
      [outlines, balanceLayer, linkLayer, chosenLayer].forEach((l) => l.addTo(map));
      A.fit(map, outlines);
      A.layerControl(map, {
        "Neighbourhoods": outlines,
        "Spare or short": balanceLayer,
        "Suggested links": linkLayer,
        "Direct matches": matchLayer,
        "Chosen row": chosenLayer,
      });
      if (offerKinds()) {
        // Open on the first kind that is short somewhere, where the links have something to show.
        const byKind = (data.links.summary || {}).by_kind || {};
        const short = Array.from(kindChoice.options).find((o) => (byKind[o.value] || {}).deficit > 0);
        if (short) kindChoice.value = short.value;
        kindChoice.addEventListener("change", () => draw(kindChoice.value));
        draw(kindChoice.value);
      } else {
        page.status("No spare capacity or need recorded for these filters.", "ready");
      }
    } catch (err) {
      page.status("Could not load the figures: " + err.message, "error");
    }
  }

  load();
})();
