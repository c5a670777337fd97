/* Small DOM helpers shared by the public map and the add/edit form.
 *
 * There is no build step, so the pages share code through one global, loaded first. el() sets textContent
 * only: it is how user text reaches the page without ever passing through innerHTML.
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

  // Leaflet notices window resizes only; both maps sit in boxes that change size for other reasons too.
  function keepMapSized(map) {
    if (window.ResizeObserver) new ResizeObserver(() => map.invalidateSize()).observe(map.getContainer());
  }

  window.AssetMapDom = { el: el, button: button, keepMapSized: keepMapSized };
})();
