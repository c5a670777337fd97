/* "Tick all on this page" for the moderation queue's bulk form.
 *
 * The box is hidden in the page and shown here, so without JavaScript nobody sees a box that does nothing. It
 * ticks the visible entries only (those of this page), and shows a mixed state when some are ticked by hand.
 */
(function () {
  "use strict";

  function init() {
    const all = document.querySelector("[data-select-all]");
    if (!all) return;
    const form = all.dataset.selectAll;
    const boxes = () => Array.from(document.querySelectorAll(`input[type=checkbox][name=asset_id][form="${form}"]`));
    all.closest("[hidden]")?.removeAttribute("hidden");
    all.addEventListener("change", () => boxes().forEach((b) => { b.checked = all.checked; }));
    document.addEventListener("change", (event) => {
      if (!event.target.matches || !event.target.matches("input[name=asset_id]")) return;
      const ticked = boxes().filter((b) => b.checked).length;
      all.checked = ticked > 0 && ticked === boxes().length;
      all.indeterminate = ticked > 0 && ticked < boxes().length;
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
