/* Marker and cluster icons for the public map.
 *
 * A place is drawn as its category group's shape in the group's colour (the shapes are <symbol>s in the map page,
 * which its key uses too), so groups differ by shape for readers who cannot tell the colours apart. A ring round
 * the shape says the place offers spare capacity. Clusters are neutral white discs with a count: they must not look
 * like any group.
 */
(function () {
  "use strict";

  const { el } = window.AssetMapDom;
  const SVG = "http://www.w3.org/2000/svg";

  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, value));
    return node;
  }

  function useShape(shape, className, fill) {
    const attributes = { href: "#shape-" + shape, x: -11, y: -11, width: 22, height: 22, class: className };
    if (fill) attributes.fill = fill;
    return svg("use", attributes);
  }

  // `look` is { colour, shape } of the place's category group.
  function markerIcon(look, offersCapacity) {
    const shape = look.shape || "circle";
    const picture = svg("svg", { viewBox: "-16 -16 32 32", "aria-hidden": "true", focusable: "false" });
    if (offersCapacity) {
      picture.appendChild(svg("circle", { r: 13.5, class: "ring-halo" }));
      picture.appendChild(svg("circle", { r: 13.5, class: "ring" }));
    }
    picture.appendChild(useShape(shape, "halo"));
    picture.appendChild(useShape(shape, "shape", look.colour || "#555555"));
    return L.divIcon({
      className: "asset-marker" + (offersCapacity ? " offers-capacity" : ""),
      html: picture, iconSize: [32, 32], iconAnchor: [16, 16], popupAnchor: [0, -14],
    });
  }

  // Leaflet gives a cluster no name a screen reader could read beyond its digits.
  const NamedIcon = L.DivIcon.extend({
    createIcon: function (old) {
      const div = L.DivIcon.prototype.createIcon.call(this, old);
      div.setAttribute("aria-label", this.options.label);
      return div;
    },
  });

  function clusterIcon(cluster) {
    const n = cluster.getChildCount();
    const size = n < 10 ? 32 : n < 100 ? 38 : 44;
    const inner = el("div");
    inner.appendChild(el("span", null, n));
    return new NamedIcon({
      className: "marker-cluster asset-cluster", html: inner, iconSize: [size, size],
      label: n + " places here: press Enter to zoom in",
    });
  }

  window.AssetMapMarkers = { markerIcon: markerIcon, clusterIcon: clusterIcon };
})();
