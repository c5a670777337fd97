/* The add and edit forms (/assets/new, /edit/<token>) and the confirmation page.
 *
 * The form works without this script (the server places a postcode and adds offer rows); the script adds the
 * map pin (tap, drag, search, "use my location"), offers added and removed in place, and a day/time picker that
 * writes OpenStreetMap opening_hours text into each offer's visible "Days and times" box. The server checks
 * everything again. User text only ever reaches the page through textContent, never innerHTML.
 */
(function () {
  "use strict";

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function button(text, className) {
    const b = el("button", className || "button-secondary", text);
    b.type = "button";
    return b;
  }

  /* ---- The pin: tap the map, drag the pin, search, or use my location ---- */

  function initPlacePicker() {
    const app = document.getElementById("picker-app");
    if (!app || !window.L) return;
    const map = window[app.dataset.map];
    const lon = document.getElementById("lon");
    const lat = document.getElementById("lat");
    const status = document.getElementById("location-status");
    const query = document.getElementById("place_query");
    const find = document.getElementById("place-find");
    const results = document.getElementById("place-results");
    const locate = document.getElementById("locate-me");
    const centre = document.getElementById("place-centre");
    const CLOSE_ZOOM = 17;
    let marker = null;
    let searching = null;

    function say(text) {
      status.textContent = text;
    }

    function place(latlng, message, zoomIn) {
      const point = L.latLng(Math.round(latlng.lat * 1e6) / 1e6, Math.round(latlng.lng * 1e6) / 1e6);
      if (!marker) {
        marker = L.marker(point, {
          draggable: true, keyboard: true, autoPan: true, title: "The place you chose", alt: "The place you chose",
        }).addTo(map);
        marker.on("dragend", () => {
          record(marker.getLatLng());
          say("Pin moved. It now shows where the place is.");
        });
      } else {
        marker.setLatLng(point);
      }
      record(point);
      if (zoomIn) map.setView(point, Math.max(map.getZoom(), CLOSE_ZOOM), { animate: false });
      if (message) say(message);
    }

    function record(latlng) {
      lon.value = latlng.lng.toFixed(6);
      lat.value = latlng.lat.toFixed(6);
      app.dataset.placed = lon.value + "," + lat.value; // tests wait for this
    }

    map.on("click", (e) => place(e.latlng, "Pin placed where you tapped. Drag it to adjust."));

    async function search() {
      const q = query.value.trim();
      results.replaceChildren();
      results.hidden = true;
      if (!q) {
        say("Type a postcode or place name first.");
        return;
      }
      if (searching) searching.abort();
      searching = new AbortController();
      say("Searching…");
      let found;
      try {
        const url = app.dataset.placesUrl + "?" + new URLSearchParams({ q: q, limit: "5" }).toString();
        const response = await fetch(url, { signal: searching.signal, headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error("the search answered " + response.status);
        found = (await response.json()).results || [];
      } catch (err) {
        if (err.name === "AbortError") return;
        say("Sorry, the search did not work. Tap the map instead, or try again.");
        return;
      }
      if (found.length === 0) {
        say("Nothing found for “" + q + "”. Check the spelling, or tap the map instead.");
        return;
      }
      found.forEach((result) => {
        const choose = button(result.label + (result.kind === "postcode" ? "" : " (" + result.kind + ")"),
                              "place-result");
        choose.setAttribute("aria-pressed", "false");
        choose.addEventListener("click", () => pick(result, choose));
        results.appendChild(el("li")).appendChild(choose);
      });
      results.hidden = false;
      // An exact postcode needs no second step.
      if (found.length === 1 && found[0].kind === "postcode") {
        pick(found[0], results.querySelector("button"));
      } else {
        say(found.length + (found.length === 1 ? " place found" : " places found") + ": choose one below.");
      }
    }

    function pick(result, chosen) {
      results.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(b === chosen)));
      place(L.latLng(result.lat, result.lon),
            "Pin placed at " + result.label + ". Drag it, or tap the map, to put it exactly where the place is.",
            true);
    }

    find.hidden = false;
    find.addEventListener("click", search);
    // Enter in the search box searches; it must not send the whole form.
    query.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        search();
      }
    });

    // Browsers give a position only to secure pages (https, or this computer).
    if (navigator.geolocation && window.isSecureContext) {
      locate.hidden = false;
      locate.addEventListener("click", () => {
        say("Finding where you are…");
        navigator.geolocation.getCurrentPosition(
          (pos) => place(L.latLng(pos.coords.latitude, pos.coords.longitude),
                         "Pin placed where you are now. Drag it if the place is not quite here.", true),
          (err) => say(err.code === 1
            ? "Your browser did not let us know where you are. Search or tap the map instead."
            : "We could not find where you are. Search or tap the map instead."),
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }

    // Pan with the arrow keys, then drop the pin: placing it without a pointer.
    centre.hidden = false;
    centre.addEventListener("click", () => place(map.getCenter(), "Pin placed in the middle of the map."));

    if (lon.value && lat.value && isFinite(Number(lon.value)) && isFinite(Number(lat.value))) {
      place(L.latLng(Number(lat.value), Number(lon.value)), null, true);
    }
    if (window.ResizeObserver) new ResizeObserver(() => map.invalidateSize()).observe(map.getContainer());
    app.dataset.ready = "yes";
  }

  /* ---- Days and times → opening_hours ---- */

  const DAYS = [
    ["Mo", "Mon", "Monday"], ["Tu", "Tue", "Tuesday"], ["We", "Wed", "Wednesday"], ["Th", "Thu", "Thursday"],
    ["Fr", "Fri", "Friday"], ["Sa", "Sat", "Saturday"], ["Su", "Sun", "Sunday"],
  ];
  const CODES = DAYS.map((d) => d[0]);

  // [0, 1, 2, 4] → "Mo-We,Fr": runs of three or more days become ranges.
  function daySelector(days) {
    const parts = [];
    let i = 0;
    while (i < days.length) {
      let j = i;
      while (j + 1 < days.length && days[j + 1] === days[j] + 1) j += 1;
      if (j - i >= 2) parts.push(CODES[days[i]] + "-" + CODES[days[j]]);
      else for (let k = i; k <= j; k += 1) parts.push(CODES[days[k]]);
      i = j + 1;
    }
    return parts.join(",");
  }

  // rows: [{days: [0..6], from: "HH:MM", to: "HH:MM"}] → "Mo 09:00-12:00,14:00-16:00; Tu-Fr 09:00-12:00".
  // Days with the same hours share one rule; the rules cover different days, so none overrides another.
  function toOpeningHours(rows) {
    const perDay = DAYS.map(() => []);
    rows.forEach((row) => {
      let range;
      if (row.from && row.to) range = row.from + "-" + row.to;
      else if (!row.from && !row.to) range = ""; // the whole day
      else return; // half filled in: wait for the other time
      row.days.forEach((d) => {
        if (!perDay[d].includes(range)) perDay[d].push(range);
      });
    });
    const keys = perDay.map((list) => {
      if (list.length === 0) return null;
      if (list.includes("")) return "";
      return list.slice().sort().join(",");
    });
    const rules = [];
    const done = new Set();
    keys.forEach((key, d) => {
      if (key === null || done.has(d)) return;
      const same = [];
      keys.forEach((other, e) => {
        if (other === key) {
          same.push(e);
          done.add(e);
        }
      });
      rules.push(daySelector(same) + (key ? " " + key : ""));
    });
    return rules.join("; ");
  }

  const DAY = "(?:Mo|Tu|We|Th|Fr|Sa|Su)";
  const TIME = "(?:[01]\\d|2[0-3]):[0-5]\\d";
  const RULE = new RegExp("^(" + DAY + "(?:-" + DAY + ")?(?:," + DAY + "(?:-" + DAY + ")?)*)" +
                          "(?:\\s+(" + TIME + "-" + TIME + "(?:," + TIME + "-" + TIME + ")*))?$");

  // The reverse, for text the picker can show; null for anything richer (which stays as text).
  function fromOpeningHours(text) {
    if (!text.trim()) return [];
    const rows = [];
    for (const part of text.split(";")) {
      const m = RULE.exec(part.trim());
      if (!m) return null;
      const days = [];
      m[1].split(",").forEach((sel) => {
        const ends = sel.split("-").map((c) => CODES.indexOf(c));
        const last = ends.length === 2 ? ends[1] : ends[0];
        for (let d = ends[0]; ; d = (d + 1) % 7) { // Sa-Mo wraps round the week
          if (!days.includes(d)) days.push(d);
          if (d === last) break;
        }
      });
      days.sort((a, b) => a - b);
      (m[2] ? m[2].split(",") : ["-"]).forEach((range) => {
        const [from, to] = range.split("-");
        rows.push({ days: days, from: from, to: to });
      });
    }
    return rows;
  }

  let pickerCount = 0;

  function initSchedulePicker(fieldset) {
    const holder = fieldset.querySelector(".schedule-picker");
    const input = fieldset.querySelector(".schedule-input");
    if (!holder || !input || holder.dataset.ready) return;
    holder.dataset.ready = "yes";
    const prefix = "picker-" + (pickerCount += 1);
    const rowsBox = el("div", "picker-rows");
    const note = el("p", "hint picker-note");
    const addRow = button("Add other days or times", "button-secondary picker-add");
    holder.append(rowsBox, addRow, note);
    let rowCount = 0;

    function rows() {
      return Array.from(rowsBox.querySelectorAll(".picker-row")).map((row) => ({
        days: Array.from(row.querySelectorAll("input[type=checkbox]"))
          .map((box, d) => (box.checked ? d : -1)).filter((d) => d >= 0),
        from: row.querySelector(".picker-from").value,
        to: row.querySelector(".picker-to").value,
      }));
    }

    function write() {
      input.value = toOpeningHours(rows().filter((r) => r.days.length));
      note.textContent = "";
    }

    function renumber() {
      const all = rowsBox.querySelectorAll(".picker-row");
      all.forEach((row, n) => {
        row.querySelector("legend").textContent = all.length > 1 ? "Days and times " + (n + 1) : "Days and times";
        const remove = row.querySelector(".picker-remove");
        remove.hidden = all.length === 1;
        remove.textContent = "Remove days and times " + (n + 1);
      });
    }

    function makeRow(values) {
      rowCount += 1;
      const id = prefix + "-" + rowCount;
      const row = el("fieldset", "picker-row");
      row.appendChild(el("legend", null, "Days and times"));
      const days = el("div", "picker-days");
      DAYS.forEach(([code, short, long], d) => {
        const label = el("label", "day-chip");
        const box = el("input");
        box.type = "checkbox";
        box.id = id + "-" + code.toLowerCase();
        box.setAttribute("aria-label", long);
        box.checked = values.days.includes(d);
        label.htmlFor = box.id;
        label.append(box, el("span", null, short));
        days.appendChild(label);
      });
      const times = el("div", "picker-times");
      [["From", "picker-from", values.from], ["To", "picker-to", values.to]].forEach(([word, cls, value]) => {
        const wrap = el("div", "picker-time");
        const input = el("input", cls);
        input.type = "time";
        input.id = id + "-" + word.toLowerCase();
        input.value = value || "";
        const label = el("label", null, word);
        label.htmlFor = input.id;
        wrap.append(label, input);
        times.appendChild(wrap);
      });
      const remove = button("Remove", "button-secondary picker-remove");
      remove.addEventListener("click", () => {
        row.remove();
        renumber();
        write();
        addRow.focus();
      });
      row.append(days, times, remove);
      row.addEventListener("change", write);
      row.addEventListener("input", write);
      rowsBox.appendChild(row);
      renumber();
      return row;
    }

    const parsed = fromOpeningHours(input.value);
    if (parsed === null) {
      makeRow({ days: [], from: "", to: "" });
      note.textContent = "These times are more detailed than the day picker can show, so they are kept as text " +
        "below. Ticking days here will replace them.";
    } else if (parsed.length === 0) {
      makeRow({ days: [], from: "", to: "" });
    } else {
      parsed.forEach(makeRow);
    }
    addRow.addEventListener("click", () => {
      makeRow({ days: [], from: "", to: "" }).querySelector("input").focus();
    });
    input.addEventListener("input", () => {
      note.textContent = "You are typing the times yourself. Ticking days above will replace what you typed.";
    });
    holder.hidden = false;
  }

  /* ---- Offers: add and remove in place ---- */

  // A quantity needs a unit: a sensible one for the kind, until the resident picks another.
  const DEFAULT_UNIT = {
    space: "places", equipment: "items", volunteer_time: "hours_per_week", skills: "hours_per_week",
    transport: "places", food: "items",
  };

  function initOffers(form) {
    const list = document.getElementById("offer-list");
    const template = document.getElementById("offer-template");
    const add = document.getElementById("add-offer");
    const max = Number(form.dataset.maxOffers) || 20;
    if (!list || !template) return;

    function offers() {
      return Array.from(list.querySelectorAll(".offer-fieldset"));
    }

    function renumber() {
      const all = offers();
      all.forEach((fs, n) => {
        fs.querySelector(".offer-number").textContent = "Offer " + (n + 1);
        const remove = fs.querySelector(".remove-offer");
        if (remove) {
          remove.textContent = "Remove offer " + (n + 1);
          remove.hidden = all.length === 1;
        }
      });
      if (add) add.hidden = all.length >= max;
    }

    function setUp(fs) {
      const kind = fs.querySelector(".offer-kind");
      const quantity = fs.querySelector(".offer-quantity");
      const unit = fs.querySelector(".offer-unit");
      quantity.addEventListener("input", () => {
        if (quantity.value.trim() && !unit.value && DEFAULT_UNIT[kind.value]) unit.value = DEFAULT_UNIT[kind.value];
      });
      const remove = button("Remove this offer", "button-secondary remove-offer");
      remove.addEventListener("click", () => {
        fs.remove();
        renumber();
        (add && !add.hidden ? add : document.getElementById("offers-heading")).focus();
      });
      fs.appendChild(remove);
      initSchedulePicker(fs);
    }

    function addOffer() {
      const used = offers().map((fs) => Number(fs.dataset.index));
      const i = String(used.length ? Math.max(...used) + 1 : 0);
      const copy = template.content.cloneNode(true);
      copy.querySelectorAll("*").forEach((node) => {
        ["id", "name", "for", "aria-describedby", "data-index"].forEach((attr) => {
          const value = node.getAttribute(attr);
          if (value && value.includes("__i__")) node.setAttribute(attr, value.split("__i__").join(i));
        });
      });
      const fs = copy.querySelector(".offer-fieldset");
      list.appendChild(copy);
      setUp(fs);
      renumber();
      fs.querySelector("select").focus();
    }

    offers().forEach(setUp);
    if (add) {
      add.type = "button"; // with the script, Enter in a field sends the form instead of adding an offer
      add.addEventListener("click", (e) => {
        e.preventDefault();
        addOffer();
      });
    }
    renumber();
  }

  /* ---- The confirmation page: copy the edit link ---- */

  function initCopy() {
    const copy = document.getElementById("copy-link");
    const link = document.getElementById("edit-link");
    const status = document.getElementById("copy-status");
    if (!copy || !link) return;
    link.addEventListener("focus", () => link.select());
    if (!navigator.clipboard) return;
    copy.hidden = false;
    copy.addEventListener("click", () => {
      navigator.clipboard.writeText(link.value).then(
        () => { status.textContent = "Copied. Paste it somewhere safe, such as a note or an email to yourself."; },
        () => {
          link.select();
          status.textContent = "Your browser did not let us copy it: the link is selected, copy it yourself.";
        });
    });
  }

  const form = document.getElementById("asset-form");
  if (form) {
    initPlacePicker();
    initOffers(form);
  }
  initCopy();
  // The error summary takes focus, so screen readers read it and keyboard users start there.
  const summary = document.getElementById("error-summary");
  const autofocused = document.querySelector("[autofocus]");
  if (summary && (!autofocused || autofocused === summary)) summary.focus();

  window.AssetForm = { toOpeningHours: toOpeningHours, fromOpeningHours: fromOpeningHours }; // for tests
})();
