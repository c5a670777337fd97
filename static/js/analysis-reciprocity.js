/* /planner/reciprocity, the co-production audit: neighbourhoods shaded by the hours they gave or received, the
 * flows of hours between them as lines as wide as the hours they carry (bent to their right, so flows both ways
 * stay apart, with an arrow halfway pointing to the receiving side), the key figures, a month-by-month chart
 * (inline SVG built here, the table beside it holding every figure) and the tables. Shared parts are in
 * analysis-map.js; names reach the page only through textContent.
 */
(function () {
  "use strict";

  const A = window.AssetMapAnalysis;
  const { el } = window.AssetMapDom;
  const page = A.start();
  const { map, config, words, root } = page;
  const SVG = "http://www.w3.org/2000/svg";
  const INK = "#1d1d1b";
  const BAR = "#3182bd";
  const SHARE = "#b35806";
  const NONE = "#ffffff";
  const FLOW = { color: INK, opacity: 0.8, lineCap: "round", className: "flow-line" };
  const ARROW = { color: INK, weight: 1.5, fillColor: "#ffffff", fillOpacity: 1, interactive: false,
    className: "flow-arrow" };
  const WITHIN = { color: INK, weight: 2, fillColor: "#ffffff", fillOpacity: 0.85, className: "flow-within" };
  const BEND = 0.15; // how far a flow bows to its right, as a share of its length

  const outlines = L.featureGroup();
  const shadeLayer = L.featureGroup();
  const flowLayer = L.featureGroup();
  const arrowLayer = L.featureGroup();
  const chosenLayer = L.featureGroup();
  let data = null;
  let arrows = []; // { at: LatLng halfway, dx, dy: direction in metres, weight }

  /* Words */

  function hours(v) {
    return A.figure(v) + (v === 1 ? " hour" : " hours");
  }

  function monthDate(m) {
    const [y, mo] = m.split("-").map(Number);
    return new Date(Date.UTC(y, mo - 1, 1));
  }

  function monthWords(m) {
    return monthDate(m).toLocaleDateString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
  }

  function shortMonth(m) {
    return monthDate(m).toLocaleDateString("en-GB", { month: "short", year: "2-digit", timeZone: "UTC" });
  }

  function place(name, code) {
    return name + " (" + code + ")";
  }

  /* The key figures and what they cover */

  function scope(summary, neighbourhoods) {
    const first = summary.from || summary.first_exchange_month;
    const last = summary.to || summary.last_exchange_month;
    let period = "no confirmed exchanges yet";
    if (first && last) period = first === last ? monthWords(first) : monthWords(first) + " to " + monthWords(last);
    else if (first) period = "from " + monthWords(first);
    else if (last) period = "up to " + monthWords(last);
    const kinds = summary.kinds.length ? summary.kinds.map((k) => A.wordFor("kinds", k, words)).join(", ") : "all";
    document.getElementById("report-scope").textContent = "Area: the " + A.number(neighbourhoods) +
      " neighbourhoods on the map. Period: " + period + ". Kinds of capacity: " + kinds + ".";
  }

  function keyFigures(t, neighbourhoods) {
    const figures = [
      ["Hours exchanged", hours(t.hours)],
      ["Confirmed exchanges", A.number(t.exchanges)],
      ["Crossing a neighbourhood boundary", A.number(t.cross_boundary) +
        (t.exchanges ? " (" + A.percent(t.cross_boundary / t.exchanges) + ")" : "")],
      ["Within one neighbourhood", A.number(t.within_neighbourhood)],
      ["Neighbourhoods taking part", A.number(t.neighbourhoods) + " of " + A.number(neighbourhoods)],
      ["Organisations taking part", A.number(t.organisations)],
      ["With a person on their own (not named)", A.number(t.with_individuals)],
      ["Recorded needs met", A.number(t.needs_met)],
      ["People reached", A.number(t.people_reached)],
    ];
    if (t.outside_neighbourhoods) {
      figures.push(["With a side outside every neighbourhood", A.number(t.outside_neighbourhoods)]);
    }
    const list = document.getElementById("totals");
    list.replaceChildren();
    figures.forEach(([label, value]) => {
      const item = el("div");
      item.appendChild(el("dt", null, label));
      item.appendChild(el("dd", null, value));
      list.appendChild(item);
    });
  }

  /* The map */

  function highlight(geojson) {
    A.highlight(map, chosenLayer, geojson);
  }

  function shade(field) {
    root.dataset.shade = field;
    shadeLayer.clearLayers();
    const features = data.reciprocity.features;
    const some = features.map((f) => f.properties[field]).filter((v) => v > 0);
    const cuts = A.quintileCuts(some);
    // one value everywhere there is any: one class, in a colour that stands out from no fill
    const classes = cuts.length ? A.sequentialClasses(cuts, hours)
      : some.length ? [{ colour: A.SEQUENTIAL[2], text: hours(some[0]) }] : [];
    A.areas({ type: "FeatureCollection", features: features }, (f) => {
      const v = f.properties[field];
      return v > 0 ? { fillColor: classes[A.classOf(v, cuts)].colour } : { fillColor: NONE, fillOpacity: 0 };
    }, (f) => highlight(f)).addTo(shadeLayer);
    shadeLayer.bringToBack();
    const most = Math.max(0, ...data.flows.features.map((f) => f.properties.hours));
    A.legend(field === "hours_given" ? "Hours given by each neighbourhood" : "Hours received by each neighbourhood",
      [{ colour: NONE, text: "none (no fill)" }].concat(classes), [
        "Dark lines: hours given from one neighbourhood to another, the white arrow halfway along pointing to " +
        "the neighbourhood that received them; as wide as the hours they carry (the widest, " + hours(most) + ").",
        "Rings: exchanges within one neighbourhood, larger for more hours.",
        "Only confirmed exchanges count.",
      ]);
  }

  // A flow's straight line bent into a curve bowing to its right (a quadratic Bézier in metres).
  function bent(coords) {
    const crs = L.CRS.EPSG3857;
    const a = crs.project(L.latLng(coords[0][1], coords[0][0]));
    const b = crs.project(L.latLng(coords[coords.length - 1][1], coords[coords.length - 1][0]));
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const c = L.point((a.x + b.x) / 2 + dy * BEND, (a.y + b.y) / 2 - dx * BEND);
    const line = [];
    for (let i = 0; i <= 16; i += 1) {
      const t = i / 16;
      const u = 1 - t;
      line.push(crs.unproject(L.point(u * u * a.x + 2 * u * t * c.x + t * t * b.x,
        u * u * a.y + 2 * u * t * c.y + t * t * b.y)));
    }
    // halfway along, the curve runs parallel to a→b
    return { line: line, at: line[8], dx: dx, dy: dy };
  }

  // Arrows are drawn in screen pixels, so they keep their size at every zoom: again after each zoom.
  function drawArrows() {
    arrowLayer.clearLayers();
    arrows.forEach((a) => {
      const length = Math.hypot(a.dx, a.dy) || 1;
      const ux = a.dx / length;
      const uy = -a.dy / length; // screen y runs down
      const size = 6 + a.weight;
      const p = map.latLngToLayerPoint(a.at);
      const at = (along, across) => map.layerPointToLatLng(
        L.point(p.x + ux * along - uy * across, p.y + uy * along + ux * across));
      L.polygon([at(size, 0), at(-size * 0.7, size * 0.8), at(-size * 0.7, -size * 0.8)], ARROW).addTo(arrowLayer);
    });
  }

  function tooltip(p) {
    return el("span", null, (p.within ? p.from_name + ", within: " : p.from_name + " to " + p.to_name + ": ") +
      hours(p.hours) + ", " + A.number(p.exchanges) + (p.exchanges === 1 ? " exchange" : " exchanges"));
  }

  function drawFlows() {
    flowLayer.clearLayers();
    arrows = [];
    const most = Math.max(1, ...data.flows.features.map((f) => f.properties.hours));
    data.flows.features.forEach((f) => {
      const p = f.properties;
      const weight = 2 + 12 * (p.hours / most);
      if (f.geometry.type === "Point") {
        const [lon, lat] = f.geometry.coordinates;
        L.circleMarker([lat, lon], Object.assign({ radius: 5 + 10 * Math.sqrt(p.hours / most) }, WITHIN))
          .bindTooltip(tooltip(p)).addTo(flowLayer);
        f.drawn = { type: "Point", coordinates: f.geometry.coordinates };
        return;
      }
      const curve = bent(f.geometry.coordinates);
      L.polyline(curve.line, Object.assign({ weight: weight }, FLOW)).bindTooltip(tooltip(p)).addTo(flowLayer);
      arrows.push({ at: curve.at, dx: curve.dx, dy: curve.dy, weight: weight });
      f.drawn = { type: "LineString", coordinates: curve.line.map((l) => [l.lng, l.lat]) };
    });
    drawArrows();
  }

  /* The month-by-month chart */

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function niceCeiling(v) {
    if (v <= 0) return 1;
    const step = Math.pow(10, Math.floor(Math.log10(v)));
    return [1, 2, 2.5, 5, 10].map((k) => k * step).find((c) => c >= v);
  }

  function chart(rows) {
    const box = document.getElementById("trend-chart");
    box.replaceChildren();
    if (!rows.length) {
      box.appendChild(el("p", null, "No confirmed exchanges in this period."));
      return;
    }
    const W = 640;
    const H = 240;
    const left = 48;
    const right = 48;
    const top = 28;
    const bottom = 38;
    const high = niceCeiling(Math.max(...rows.map((r) => r.hours)));
    const band = (W - left - right) / rows.length;
    const y = (v) => top + (H - top - bottom) * (1 - v / high);
    const yShare = (s) => top + (H - top - bottom) * (1 - s);
    const busiest = rows.reduce((m, r) => (r.hours > m.hours ? r : m), rows[0]);
    const picture = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-labelledby": "trend-title trend-desc", focusable: "false" });
    picture.appendChild(svg("title", { id: "trend-title" }, "Hours exchanged and the share of exchanges crossing a " +
      "neighbourhood boundary, by month"));
    picture.appendChild(svg("desc", { id: "trend-desc" }, monthWords(rows[0].month) + " to " +
      monthWords(rows[rows.length - 1].month) + "; most hours in " + monthWords(busiest.month) + " (" +
      hours(busiest.hours) + "). The table below gives every figure."));
    [0, 0.5, 1].forEach((k) => {
      picture.appendChild(svg("line", { x1: left, x2: W - right, y1: y(high * k), y2: y(high * k),
        stroke: "#c8c8c4", "stroke-width": 1 }));
      picture.appendChild(svg("text", { x: left - 6, y: y(high * k) + 4, "text-anchor": "end" }, A.figure(high * k)));
      picture.appendChild(svg("text", { x: W - right + 6, y: yShare(k) + 4 }, A.percent(k)));
    });
    picture.appendChild(svg("text", { x: 4, y: 12 }, "Hours"));
    picture.appendChild(svg("text", { x: W - 4, y: 12, "text-anchor": "end" }, "Share crossing"));
    const every = Math.ceil(rows.length / 12);
    const points = [];
    rows.forEach((r, i) => {
      const x = left + band * i;
      const bar = svg("rect", { x: x + band * 0.15, y: y(r.hours), width: band * 0.7,
        height: Math.max(0, y(0) - y(r.hours)), fill: BAR, class: "trend-bar" });
      bar.appendChild(svg("title", {}, monthWords(r.month) + ": " + hours(r.hours)));
      picture.appendChild(bar);
      if (i % every === 0) {
        picture.appendChild(svg("text", { x: x + band / 2, y: H - bottom + 16, "text-anchor": "middle" },
          shortMonth(r.month)));
      }
      if (r.cross_boundary_share !== null) points.push([x + band / 2, yShare(r.cross_boundary_share)]);
    });
    if (points.length > 1) {
      picture.appendChild(svg("polyline", { points: points.map((p) => p.join(",")).join(" "), fill: "none",
        stroke: SHARE, "stroke-width": 2.5 }));
    }
    points.forEach(([px, py]) => picture.appendChild(svg("circle", { cx: px, cy: py, r: 3.5, fill: SHARE })));
    box.appendChild(picture);
    const key = el("ul", "chart-key");
    [["bar", "Hours exchanged (left scale)"], ["line", "Share crossing a boundary (right scale)"]].forEach(([c, t]) => {
      const item = el("li");
      item.appendChild(el("span", c));
      item.appendChild(el("span", null, t));
      key.appendChild(item);
    });
    box.appendChild(key);
  }

  /* Tables */

  function tables() {
    const t = (id) => document.getElementById(id);
    const trends = data.trends.features.map((f) => f.properties);
    A.fillTable(t("trends-table"), trends, (r) => monthWords(r.month),
      (r) => [A.figure(r.hours), A.number(r.exchanges), A.number(r.cross_boundary), A.percent(r.cross_boundary_share),
        A.number(r.people_reached), A.number(r.needs_met)]);
    A.fillTable(t("flows-table"), data.flows.features.map((f) => f.properties),
      (r) => place(r.from_name, r.from_code),
      (r) => [r.within ? "the same neighbourhood" : place(r.to_name, r.to_code), A.figure(r.hours),
        A.number(r.exchanges), A.number(r.people_reached)],
      (r) => highlight(data.flows.features.find((f) => f.properties === r).drawn));
    const places = data.reciprocity.features.map((f) => f.properties)
      .sort((a, b) => (b.hours_given + b.hours_received) - (a.hours_given + a.hours_received) ||
        a.name.localeCompare(b.name));
    A.fillTable(t("reciprocity-table"), places, (r) => place(r.name, r.code),
      (r) => [A.figure(r.hours_given), A.figure(r.hours_received), A.number(r.exchanges_given),
        A.number(r.exchanges_received), A.number(r.cross_boundary), A.number(r.partner_neighbourhoods),
        A.number(r.partner_organisations), A.number(r.needs_met), A.number(r.people_reached)],
      (r) => highlight(data.reciprocity.features.find((f) => f.properties === r)));
    A.fillTable(t("organisations-table"), data.reciprocity_organisations.features.map((f) => f.properties),
      (r) => (r.named ? r.organisation : "People on their own, and places with no organisation (not named)"),
      (r) => [A.figure(r.hours_given), A.figure(r.hours_received), A.number(r.exchanges),
        A.number(r.cross_boundary), A.number(r.partner_organisations), A.number(r.partner_neighbourhoods),
        A.number(r.needs_met), A.number(r.people_reached)]);
  }

  async function load() {
    page.status("Loading the figures…", "loading");
    try {
      data = await A.getAll(config.urls, ["reciprocity", "flows", "trends", "reciprocity_organisations",
        "neighbourhoods"]);
      const summary = data.reciprocity.summary;
      const count = data.reciprocity.features.length;
      L.geoJSON(data.neighbourhoods, { style: () => A.NO_DATA, interactive: false }).addTo(outlines);
      [outlines, shadeLayer, flowLayer, arrowLayer, chosenLayer].forEach((l) => l.addTo(map));
      A.fit(map, outlines);
      A.layerControl(map, {
        "Neighbourhoods": outlines,
        "Hours given or received": shadeLayer,
        "Flows between neighbourhoods": flowLayer,
        "Flow directions": arrowLayer,
        "Chosen row": chosenLayer,
      });
      map.on("zoomend", drawArrows);
      scope(summary, count);
      keyFigures(summary, count);
      drawFlows();
      const choice = document.querySelector("input[name=shade]:checked");
      shade(choice.value);
      document.querySelectorAll("input[name=shade]").forEach((r) => r.addEventListener("change", () => shade(r.value)));
      chart(data.trends.features.map((f) => f.properties));
      tables();
      page.status(A.number(summary.exchanges) + " confirmed exchanges, " + hours(summary.hours) + "; " +
        A.number(data.flows.features.length) + " flows between or within neighbourhoods.", "ready");
    } catch (err) {
      page.status("Could not load the figures: " + err.message, "error");
    }
  }

  document.getElementById("print-report").addEventListener("click", () => window.print());
  // The map is smaller on paper: redraw it for the page it is printed on.
  window.addEventListener("beforeprint", () => {
    map.invalidateSize();
    A.fit(map, outlines);
  });
  load();
})();
