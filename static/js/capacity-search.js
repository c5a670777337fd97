/* /capacity: "Use my location" for the place field, and the results in the list as markers on the map.
 *
 * The page works without this script (the form and the list are plain HTML). The markers come from the list
 * items' data-lon/data-lat, so each result reaches the page once; popups are built with textContent only.
 */
(function () {
  "use strict";
  const dom = window.AssetMapDom;

  function useLocation() {
    const button = document.getElementById("use-location");
    const near = document.getElementById("near");
    const status = document.getElementById("location-status");
    if (!button || !near || !navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      status.textContent = "Finding where you are…";
      navigator.geolocation.getCurrentPosition((pos) => {
        near.value = pos.coords.longitude.toFixed(5) + "," + pos.coords.latitude.toFixed(5);
        status.textContent = "Using your location. Press Find to search near you.";
      }, () => {
        status.textContent = "We could not find your location. Type a postcode or place instead.";
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
    });
  }

  function drawResults() {
    const box = document.getElementById("capacity-map");
    const list = document.getElementById("capacity-results");
    if (!box || !list || !window.L) return;
    const map = window[box.dataset.map];
    if (!map) return;
    dom.keepMapSized(map);
    list.querySelectorAll("li[data-lon]").forEach((item, index) => {
      const link = item.querySelector("h3 a");
      const marker = L.circleMarker([Number(item.dataset.lat), Number(item.dataset.lon)], {
        radius: 9, weight: 2, color: "#1d1d1b", fillColor: "#0072b2", fillOpacity: 0.85,
      }).addTo(map);
      const popup = dom.el("div", "capacity-popup");
      popup.appendChild(dom.el("strong", null, (index + 1) + ". " + (link ? link.textContent : "")));
      const meta = item.querySelector(".meta");
      if (meta) popup.appendChild(dom.el("p", null, meta.textContent.replace(/\s+/g, " ").trim()));
      const jump = dom.el("a", null, "Details in the list");
      jump.href = "#" + item.id;
      popup.appendChild(jump);
      marker.bindPopup(popup);
      marker.bindTooltip(String(index + 1), { permanent: false, direction: "top" });
    });
  }

  useLocation();
  drawResults();
})();
