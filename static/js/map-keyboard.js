/* The public map from a keyboard.
 *
 * Leaflet puts its controls after every marker in the page, so reaching the zoom buttons meant tabbing through
 * every place; the skip link's anchor would also overwrite the #zoom/lat/lon the map keeps in the address. Leaflet
 * opens a marker's popup on Enter only, a cluster ignores Space, and Escape closes a popup only while the map itself
 * has focus, leaving focus nowhere. Here: the zoom buttons come first, the skip link focuses the map, Space acts
 * like Enter, a popup opened from the keyboard takes focus, and Escape (or the close button) gives it back to the
 * marker that opened it.
 */
(function () {
  "use strict";

  function enable(map, skipLink) {
    const container = map.getContainer();
    const zoomCorner = map.zoomControl && map.zoomControl.getContainer().parentNode;
    if (zoomCorner) container.insertBefore(zoomCorner, container.firstChild);

    if (skipLink) {
      skipLink.addEventListener("click", (event) => {
        event.preventDefault();
        container.focus();
      });
    }

    let openPopup = null;
    let keyboardAt = 0; // when Enter or Space last went to a marker: its popup should take focus

    function giveBackFocus(popup) {
      const source = popup && popup._source; // the layer that opened it (Leaflet keeps no public handle)
      const icon = source && source.getElement && source.getElement();
      if (icon && icon.isConnected) icon.focus({ preventScroll: true });
      else container.focus({ preventScroll: true });
    }

    map.on("popupopen", (event) => {
      openPopup = event.popup;
      if (Date.now() - keyboardAt > 1000) return;
      const content = event.popup.getElement().querySelector(".leaflet-popup-content");
      content.tabIndex = -1;
      content.focus({ preventScroll: true });
    });
    map.on("popupclose", (event) => {
      if (openPopup === event.popup) openPopup = null;
      const lost = event.popup.getElement();
      // Only when focus was in the popup (its close button, its link): a click elsewhere keeps its own focus.
      if (lost && (lost.contains(document.activeElement) || document.activeElement === document.body)) {
        giveBackFocus(event.popup);
      }
    });

    container.addEventListener("keydown", (event) => {
      const icon = event.target.closest && event.target.closest(".leaflet-marker-icon");
      if (icon && (event.key === "Enter" || event.key === " ")) keyboardAt = Date.now();
      if (icon && event.key === " ") {
        event.preventDefault(); // not a page scroll
        icon.click();
        if (icon.classList.contains("marker-cluster")) container.focus({ preventScroll: true }); // as Enter does
      } else if (event.key === "Escape" && openPopup) {
        const popup = openPopup;
        map.closePopup(popup);
        giveBackFocus(popup);
        event.stopPropagation();
      }
    });
  }

  window.AssetMapKeyboard = { enable: enable };
})();
