/* Offers of spare capacity on the add/edit form, added and removed in place.
 *
 * Without the script, "Add another offer" sends the form and the server adds a row; with it, a row is copied
 * from the form's <template> and numbered like the server would, so the submitted names are the same.
 */
(function () {
  "use strict";

  const { button } = window.AssetMapDom;

  function init(form) {
    // A quantity needs a unit: the kind's usual one (data/capacity_kinds.csv), until the resident picks another.
    const DEFAULT_UNIT = JSON.parse(form.dataset.defaultUnits || "{}");
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
      window.AssetMap.schedulePicker.init(fs);
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

  window.AssetMap = window.AssetMap || {};
  window.AssetMap.offers = { init: init };
})();
