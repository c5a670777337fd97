/* The day and time picker in each offer's "When is it free?" group.
 *
 * People tick days and pick times; the picker writes OpenStreetMap opening_hours text into the offer's visible
 * "Days and times" box, which is what the server reads and checks. Text richer than the picker can show is
 * left as typed, so nothing a resident wrote is lost; a note says so when that text is a valid schedule (the
 * server puts its words in the box's data-words).
 */
(function () {
  "use strict";

  const { el, button } = window.AssetMapDom;

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

  function init(fieldset) {
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
      // Only text the server read as a schedule is "more detailed"; any other text has the server's message
      // beside it, saying what is wrong. data-words holds the schedule in words, empty when it does not parse.
      if (input.dataset.words) {
        note.textContent = "These times (" + input.dataset.words + ") are more detailed than the day picker " +
          "can show, so they are kept as text below. Ticking days here will replace them.";
      }
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

  window.AssetMap = window.AssetMap || {};
  window.AssetMap.schedulePicker = { init: init, toOpeningHours: toOpeningHours, fromOpeningHours: fromOpeningHours };
})();
