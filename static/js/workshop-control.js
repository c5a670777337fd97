/* The facilitator's page: the session's controls, the big screen following this map, and hide, show, edit,
 * merge and promote on each note. Actions go to /workshops/<code>/control with the page's CSRF token. */
(function () {
  "use strict";
  const W = window.AssetMapWorkshop;
  const dom = window.AssetMapDom;
  const root = document.getElementById("workshop");
  const control = "/workshops/" + encodeURIComponent(root.dataset.code) + "/control";
  const csrf = { "X-CSRFToken": document.querySelector("meta[name=csrf-token]").content };
  const error = document.getElementById("control-error");
  let round = Number(document.getElementById("round-text").textContent) - 1;

  const live = W.start({ hidden: true, decorate: decorate, onWorkshop: onWorkshop });
  const map = live.map;

  function act(body) {
    return W.send("POST", control, body, csrf).then((r) => {
      error.textContent = r.ok ? "" : W.message(r.body);
      error.hidden = r.ok;
      return r;
    });
  }

  document.querySelectorAll("[data-action]").forEach((b) => {
    if (b.dataset.action === "close") W.twoStep(b, "Press again to close: nobody can add notes after", () => act({ action: "close" }));
    else b.addEventListener("click", () => act({ action: b.dataset.action }));
  });
  document.querySelectorAll("[data-round]").forEach((b) => b.addEventListener("click", () => {
    const step = b.dataset.round;
    act({ action: "round", round: step === "0" ? round : round + Number(step) });
  }));

  // Only the moves this state allows (as sessions.TRANSITIONS).
  const ALLOWED = { lock: ["open"], unlock: ["locked"], close: ["open", "locked"], reopen: ["closed"], archive: ["closed"] };
  function showButtons(state) {
    document.querySelectorAll("[data-action]").forEach((b) => {
      b.hidden = !ALLOWED[b.dataset.action].includes(state);
    });
    document.querySelectorAll("[data-round]").forEach((b) => { b.hidden = state === "closed" || state === "archived"; });
  }
  showButtons(root.dataset.state);

  function onWorkshop(state) {
    showButtons(state.state);
    round = state.round;
    document.getElementById("state-text").textContent = state.state;
    document.getElementById("round-text").textContent = String(state.round + 1);
    document.getElementById("prompt").textContent = state.prompt;
  }

  // The big screen follows this map: its view goes out a moment after each move ends.
  let timer = null;
  map.on("moveend", () => {
    if (!document.getElementById("follow-me").checked) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const c = map.getCenter();
      act({ action: "view", center: [Number(c.lng.toFixed(6)), Number(c.lat.toFixed(6))], zoom: map.getZoom() });
    }, 400);
  });

  document.getElementById("action-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = document.getElementById("action-text");
    const owner = document.getElementById("action-owner");
    act({ action: "add_action", text: text.value, owner: owner.value }).then((r) => {
      if (!r.ok) return;
      document.getElementById("actions-list").appendChild(dom.el("li", null, text.value + (owner.value ? " — " + owner.value : "")));
      text.value = "";
      owner.value = "";
    });
  });

  const vocab = JSON.parse(root.dataset.vocab);

  function select(id, label, options, chosen) {
    const wrap = dom.el("div", "field");
    const l = dom.el("label", null, label);
    l.htmlFor = id;
    const s = dom.el("select");
    s.id = id;
    options.forEach(([value, text]) => {
      const o = dom.el("option", null, text);
      o.value = value;
      if (value === chosen) o.selected = true;
      s.appendChild(o);
    });
    wrap.append(l, s);
    return [wrap, s];
  }

  function form(id, title, build, submit) {
    const details = dom.el("details", "note-change");
    details.appendChild(dom.el("summary", null, title));
    const f = dom.el("form");
    const fields = build(f);
    const go = dom.el("button", "button-secondary", title);
    go.type = "submit";
    f.appendChild(go);
    f.addEventListener("submit", (e) => { e.preventDefault(); submit(fields); });
    details.appendChild(f);
    return details;
  }

  function decorate(li, feature) {
    const p = feature.properties;
    const id = p.id;
    const tools = dom.el("div", "note-tools");
    const hide = dom.button(p.status === "hidden" ? "Show to the room" : "Hide from the room", "button-secondary");
    hide.addEventListener("click", () => act({ action: p.status === "hidden" ? "show" : "hide", note: id }));
    tools.appendChild(hide);
    li.appendChild(tools);

    li.appendChild(form("edit-" + id, "Edit the note", (f) => {
      const [kindField, kind] = select("edit-kind-" + id, "Kind", Object.entries(live.kinds), p.kind);
      const wrap = dom.el("div", "field");
      const l = dom.el("label", null, "Text");
      l.htmlFor = "edit-text-" + id;
      const text = dom.el("textarea");
      text.id = "edit-text-" + id;
      text.value = p.text;
      text.maxLength = 1000;
      wrap.append(l, text);
      f.append(kindField, wrap);
      return { kind: kind, text: text };
    }, (x) => act({ action: "edit", note: id, kind: x.kind.value, text: x.text.value })));

    const others = Array.from(live.notes.keys()).filter((n) => n !== id).sort((a, b) => a - b)
      .map((n) => [String(n), live.kinds[live.notes.get(n).properties.kind] + " " + live.number(n)]);
    if (others.length) {
      li.appendChild(form("merge-" + id, "Merge into another note", (f) => {
        const [field, into] = select("merge-into-" + id, "Merge into", others);
        f.appendChild(field);
        return into;
      }, (into) => act({ action: "merge", note: id, into: Number(into.value) })));
    }

    if (!p.promoted) {
      li.appendChild(form("promote-" + id, "Make it an entry", (f) => {
        const [toField, to] = select("promote-to-" + id, "Make it", [["asset", "a place on the map (asset)"],
                                                                     ["need", "a capacity need"]]);
        const [catField, category] = select("promote-category-" + id, "Category (for a place)", vocab.categories);
        const [kindField, kind] = select("promote-kind-" + id, "Kind of capacity (for a need)", vocab.capacity_kinds);
        f.append(toField, catField, kindField);
        f.appendChild(dom.el("p", "hint", "It goes to the planners' moderation like any contribution."));
        return { to: to, category: category, kind: kind };
      }, (x) => act({ action: "promote", note: id, to: x.to.value,
                      category: x.category.value, kind: x.kind.value })));
    }
  }
})();
