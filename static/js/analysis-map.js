/* What the three planner analysis pages share: their settings, fetching a table, colour classes and legends,
 * tables whose rows can be chosen, and figures in words.
 *
 * The page gives its settings in #analysis's data-config: the folium map's variable name, the URL of each table
 * it fetches (already carrying the page's filters) and the vocabularies' words. #analysis's data-state says
 * "loading", "ready" or "error"; browser tests wait for "ready". User text only ever reaches the page through
 * textContent (AssetMapDom.el), never innerHTML.
 */
(function () {
  "use strict";

  const { el, button, keepMapSized } = window.AssetMapDom;

  // ColorBrewer schemes: sequential Blues, and PuOr for balance (orange short, purple spare); both read in
  // greyscale and without red-green vision.
  const SEQUENTIAL = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
  const DEFICIT = ["#b35806", "#f1a340"];
  const BALANCED = "#f7f7f7";
  const SURPLUS = ["#998ec3", "#542788"];
  const NO_DATA = { color: "#555", weight: 1, opacity: 0.8, fillColor: "#fff", fillOpacity: 0, dashArray: "4 3" };
  const ROWS_AT_ONCE = 200; // a long table is shown in pages of this many rows, the rest on demand

  // The vector tile layer the page put on its map for `name` (off until shown).
  function tileLayer(config, name) {
    return window[config.tiles[name].layer];
  }

  function start() {
    const root = document.getElementById("analysis");
    const config = JSON.parse(root.dataset.config);
    const map = window[config.map];
    keepMapSized(map);
    // The page's vector tile layers (config.tiles: layer → its variable, pane, and whether it takes clicks), each
    // in its own pane over the page's shapes; one that takes no clicks lets them through to the shapes below.
    Object.values(config.tiles || {}).forEach((t) => {
      const pane = map.createPane(t.pane);
      pane.style.zIndex = 450;
      if (!t.interactive) pane.style.pointerEvents = "none";
    });
    const statusLine = document.getElementById("analysis-status");
    return {
      root: root,
      config: config,
      map: map,
      words: config.words,
      status(text, state) {
        statusLine.textContent = text;
        root.dataset.state = state;
      },
    };
  }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } });
    if (!response.ok) throw new Error("the server answered " + response.status + " for " + url);
    return response.json();
  }

  // Each table the page needs, fetched side by side: { name: FeatureCollection }.
  async function getAll(urls, names) {
    const collections = await Promise.all(names.map((n) => getJson(urls[n])));
    const out = {};
    names.forEach((n, i) => (out[n] = collections[i]));
    return out;
  }

  // A URL with more query parameters (the page's filters are already in it).
  function withQuery(url, extra) {
    const u = new URL(url, window.location.href);
    Object.entries(extra).forEach(([k, v]) => u.searchParams.set(k, v));
    return u.pathname + u.search;
  }

  /* Figures in words */
  const whole = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
  const oneDecimal = new Intl.NumberFormat("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const twoDecimals = new Intl.NumberFormat("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function number(v, digits) {
    if (v === null || v === undefined) return "–";
    if (digits === 2) return twoDecimals.format(v);
    return digits === 1 ? oneDecimal.format(v) : whole.format(v);
  }

  // A figure as it was measured: whole numbers without decimals, others to one place.
  function figure(v) {
    if (v === null || v === undefined) return "–";
    return number(v, Number.isInteger(v) ? 0 : 1);
  }

  function money(v) {
    if (v === null || v === undefined) return "–";
    const a = Math.abs(v);
    if (a >= 1e6) return (v < 0 ? "−" : "") + "£" + oneDecimal.format(a / 1e6) + "m";
    return (v < 0 ? "−" : "") + "£" + whole.format(a);
  }

  function percent(share) {
    return share === null || share === undefined ? "–" : whole.format(share * 100) + "%";
  }

  function wordFor(vocabulary, code, words) {
    return (words[vocabulary] && words[vocabulary][code]) || String(code).replace(/_/g, " ");
  }

  /* Colour classes */

  // Up to four cuts splitting `values` into fifths; a value's class is how many cuts it reaches.
  function quintileCuts(values) {
    const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
    if (!sorted.length) return [];
    const cuts = [1, 2, 3, 4].map((k) => sorted[Math.floor((k * sorted.length) / 5)]);
    return cuts.filter((v, i) => v > sorted[0] && cuts.indexOf(v) === i);
  }

  function classOf(value, cuts) {
    return cuts.filter((c) => value >= c).length;
  }

  // The classes for `cuts` as [{ colour, text }]; `say` writes a value.
  function sequentialClasses(cuts, say) {
    if (cuts.length === 0) return [{ colour: SEQUENTIAL[0], text: "all the same" }];
    return [0, ...cuts].map((low, i) => {
      const colour = SEQUENTIAL[i];
      if (i === 0) return { colour: colour, text: "under " + say(cuts[0]) };
      if (i === cuts.length) return { colour: colour, text: say(low) + " or more" };
      return { colour: colour, text: say(low) + " to under " + say(cuts[i]) };
    });
  }

  // Balance: two classes each side of zero, split at the middle of that side's values.
  function balanceScale(values) {
    const middle = (xs) => {
      const s = xs.slice().sort((a, b) => a - b);
      return s.length ? s[Math.floor(s.length / 2)] : 0;
    };
    const shortBy = middle(values.filter((v) => v < 0).map((v) => -v));
    const spare = middle(values.filter((v) => v > 0));
    return {
      colour(v) {
        if (v < 0) return -v >= shortBy ? DEFICIT[0] : DEFICIT[1];
        if (v > 0) return v >= spare ? SURPLUS[1] : SURPLUS[0];
        return BALANCED;
      },
      classes(say) {
        return [
          { colour: DEFICIT[0], text: "short by " + say(shortBy) + " or more" },
          { colour: DEFICIT[1], text: "short by less than " + say(shortBy) },
          { colour: BALANCED, text: "balanced" },
          { colour: SURPLUS[0], text: "spare, less than " + say(spare) },
          { colour: SURPLUS[1], text: "spare, " + say(spare) + " or more" },
        ];
      },
    };
  }

  // The legend under the map: a title with its unit, a swatch per class, and any lines (for lines on the map).
  function legend(title, classes, notes) {
    const box = document.getElementById("legend");
    box.replaceChildren(el("p", "shade-title", title));
    const list = el("ol");
    classes.forEach((c) => {
      const item = el("li");
      const swatch = el("span", "shade-swatch");
      swatch.style.background = c.colour;
      item.appendChild(swatch);
      item.appendChild(el("span", null, c.text));
      list.appendChild(item);
    });
    box.appendChild(list);
    (notes || []).forEach((n) => box.appendChild(el("p", "legend-note", n)));
  }

  /* Tables */

  // Fills `table`'s body with `rows`; `cells(row)` gives the cells after the first, `name(row)` the first, a
  // button that calls `choose(row, tr)` (plain text without `choose`). Long tables show ROWS_AT_ONCE rows and a
  // button for the next ones.
  function fillTable(table, rows, name, cells, choose) {
    const body = table.tBodies[0];
    body.replaceChildren();
    const foot = table.parentElement.nextElementSibling;
    if (foot && foot.classList.contains("more-rows")) foot.remove();
    if (!rows.length) {
      const tr = el("tr");
      const td = el("td", "empty", "Nothing to show for these filters.");
      td.colSpan = table.tHead.rows[0].cells.length;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    let shown = 0;
    const more = button("");
    more.classList.add("more-rows");
    function showMore() {
      rows.slice(shown, shown + ROWS_AT_ONCE).forEach((row) => {
        const tr = el("tr");
        const th = el("th", null, choose ? null : name(row));
        th.scope = "row";
        tr.appendChild(th);
        if (choose) {
          const b = button(name(row), "row-choice");
          b.addEventListener("click", () => {
            Array.from(body.querySelectorAll("tr.chosen")).forEach((r) => r.classList.remove("chosen"));
            Array.from(body.querySelectorAll("[aria-pressed=true]")).forEach((x) => x.setAttribute("aria-pressed", "false"));
            tr.classList.add("chosen");
            b.setAttribute("aria-pressed", "true");
            choose(row, tr);
          });
          b.setAttribute("aria-pressed", "false");
          th.appendChild(b);
        }
        cells(row).forEach((c) => tr.appendChild(typeof c === "object" && c !== null ? wrap(c) : el("td", null, c)));
        body.appendChild(tr);
      });
      shown = Math.min(rows.length, shown + ROWS_AT_ONCE);
      more.textContent = "Show " + Math.min(ROWS_AT_ONCE, rows.length - shown) + " more of " + rows.length;
      if (shown >= rows.length) more.remove();
    }
    showMore();
    if (shown < rows.length) {
      more.addEventListener("click", showMore);
      table.parentElement.after(more);
    }
  }

  function wrap(node) {
    const td = el("td");
    td.appendChild(node);
    return td;
  }

  // A definition list of label → value pairs, largest first, for a breakdown.
  function breakdownList(title, entries, say) {
    const box = el("div", "breakdown-part");
    box.appendChild(el("h3", null, title));
    const list = el("table", "breakdown-table");
    const body = el("tbody");
    entries.sort((a, b) => b[1] - a[1]).forEach(([label, value]) => {
      const tr = el("tr");
      const th = el("th", null, label);
      th.scope = "row";
      tr.appendChild(th);
      tr.appendChild(el("td", null, say(value)));
      body.appendChild(tr);
    });
    list.appendChild(body);
    box.appendChild(list);
    return box;
  }

  /* The map */

  // Neighbourhood polygons from a FeatureCollection, styled by `style(feature)`; `choose(feature)` on click.
  function areas(collection, style, choose, pane) {
    return L.geoJSON(collection, {
      pane: pane || "overlayPane",
      style: (f) => Object.assign({ weight: 1, color: "#3b3b3b", opacity: 0.9, fillOpacity: 0.7 }, style(f)),
      onEachFeature: (f, layer) => {
        if (choose) layer.on("click", () => choose(f));
      },
    });
  }

  // The chosen row's shape drawn over everything in `layer` (emptied first), and the map fitted to it.
  const CHOSEN = { color: "#ffbf47", weight: 8, opacity: 1, fill: false, className: "chosen-line" };
  function highlight(map, layer, geojson) {
    layer.clearLayers();
    const shape = L.geoJSON(geojson, { style: () => CHOSEN, interactive: false }).addTo(layer);
    layer.bringToFront();
    fit(map, shape);
  }

  function fit(map, layer) {
    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 14, padding: [20, 20], animate: false });
  }

  // A layer control, folded into its button until hovered or focused so it hides none of the map.
  function layerControl(map, overlays) {
    return L.control.layers(null, overlays, { collapsed: true, position: "topright" }).addTo(map);
  }

  window.AssetMapAnalysis = {
    start, tileLayer, getJson, getAll, withQuery, number, figure, money, percent, wordFor, quintileCuts, classOf,
    sequentialClasses, balanceScale, legend, fillTable, breakdownList, areas, highlight, fit, layerControl,
    SEQUENTIAL, NO_DATA,
  };
})();
