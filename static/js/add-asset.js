/* The add and edit forms (/assets/new, /edit/<token>) and the confirmation page: wires up the widgets.
 *
 * The form works without any script (the server places a postcode and adds offer rows); the widgets add the
 * map pin (place-picker.js), offers added and removed in place (offers.js), a day/time picker for each offer
 * (schedule-picker.js) and the copy button for the edit link (copy-link.js). They load first, after dom.js, and
 * only register themselves on window.AssetMap. The server checks everything again. User text only ever reaches
 * the page through textContent, never innerHTML.
 */
(function () {
  "use strict";

  const AssetMap = window.AssetMap;
  const form = document.getElementById("asset-form");
  if (form) {
    AssetMap.placePicker.init();
    AssetMap.offers.init(form);
  }
  AssetMap.copyLink.init();
  // The error summary takes focus, so screen readers read it and keyboard users start there.
  const summary = document.getElementById("error-summary");
  const autofocused = document.querySelector("[autofocus]");
  if (summary && (!autofocused || autofocused === summary)) summary.focus();

  const { toOpeningHours, fromOpeningHours } = AssetMap.schedulePicker;
  window.AssetForm = { toOpeningHours: toOpeningHours, fromOpeningHours: fromOpeningHours }; // for tests
})();
