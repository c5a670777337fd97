/* The "Copy the link" button on the confirmation page.
 *
 * The edit link is shown only once, so copying it must be easy; the button stays hidden where the browser
 * has no clipboard, and the link is selected instead for copying by hand.
 */
(function () {
  "use strict";

  function init() {
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

  window.AssetMap = window.AssetMap || {};
  window.AssetMap.copyLink = { init: init };
})();
