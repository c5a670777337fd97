/* /planner/spend: spend per resident by neighbourhood on a sequential scale, where every pound of the selected
 * services went, and the chosen neighbourhood's spend by kind of agency, agency and theme.
 * Shared parts are in analysis-map.js.
 */
(function () {
  "use strict";

  const A = window.AssetMapAnalysis;
  const { el } = window.AssetMapDom;
  const page = A.start();
  const { map, config, words, root } = page;
  const breakdown = document.getElementById("breakdown");
  const summaryLine = document.getElementById("spend-summary");
  const CHOSEN = { weight: 4, color: "#1d1d1b" };
  let layer = null;

  function style(cuts) {
    return (f) => {
      const v = f.properties.spend_per_head;
      return v === null ? A.NO_DATA : { fillColor: A.SEQUENTIAL[A.classOf(v, cuts)], weight: 1, color: "#3b3b3b" };
    };
  }

  function choose(code) {
    let chosen = null;
    layer.eachLayer((l) => {
      const mine = l.feature.properties.code === code;
      layer.resetStyle(l);
      if (mine) {
        l.setStyle(CHOSEN);
        l.bringToFront();
        chosen = l.feature.properties;
      }
    });
    if (!chosen) return;
    root.dataset.chosen = code;
    const p = chosen;
    breakdown.replaceChildren(el("h3", null, p.name + " (" + p.code + ")"));
    breakdown.appendChild(el("p", null,
      A.money(p.spend_total) + " a year from " + A.number(p.services) + " services" +
      (p.spend_per_head === null ? "; no population figure, so no amount per resident." :
        ": " + A.money(p.spend_per_head) + " for each of its " + A.number(p.population) + " residents.")));
    const kinds = Object.entries(p.by_agency_kind || {}).map(([k, v]) => [A.wordFor("agency_kinds", k, words), v]);
    breakdown.appendChild(A.breakdownList("By kind of agency", kinds, A.money));
    breakdown.appendChild(A.breakdownList("By agency", Object.entries(p.by_agency || {}), A.money));
    const themes = Object.entries(p.by_theme || {}).map(([k, v]) => [A.wordFor("themes", k, words), v]);
    breakdown.appendChild(A.breakdownList("By theme", themes, A.money));
  }

  // Where every pound of the selected services went (the parts add up to their spend).
  function summarise(s) {
    const parts = [A.money(s.neighbourhood) + " is shared out over the neighbourhoods"];
    parts.push(A.money(s.outside) + " falls outside every neighbourhood");
    if (s.no_population) parts.push(A.money(s.no_population) + " lies where no population is recorded");
    if (s.no_catchment) parts.push(A.money(s.no_catchment) + " belongs to services with no catchment");
    summaryLine.textContent = "The selected services spend " + A.money(s.services_spend) + " a year: " +
      parts.join("; ") + ".";
  }

  async function load() {
    page.status("Loading the figures…", "loading");
    try {
      const data = await A.getJson(config.urls.spend);
      const rows = data.features.map((f) => f.properties);
      const cuts = A.quintileCuts(rows.map((r) => r.spend_per_head));
      layer = A.areas(data, style(cuts), (f) => choose(f.properties.code)).addTo(map);
      A.layerControl(map, { "Spend per resident": layer });
      A.fit(map, layer);
      A.legend("Spend a year per resident (£)", A.sequentialClasses(cuts, A.money),
        rows.some((r) => r.spend_per_head === null) ? ["Dashed outline: no population figure."] : []);
      summarise(data.summary);
      A.fillTable(document.getElementById("spend-table"), rows, (r) => r.name + " (" + r.code + ")",
        (r) => [A.number(r.population), A.money(r.spend_total), A.money(r.spend_per_head), A.number(r.services)],
        (r) => choose(r.code));
      page.status(A.number(rows.length) + " neighbourhoods.", "ready");
    } catch (err) {
      page.status("Could not load the figures: " + err.message, "error");
    }
  }

  load();
})();
