/* The pin on the add/edit form's map: tap the map, drag the pin, search for a postcode or place, or use my
 * location. It fills the hidden lon/lat fields; without it the server places the postcode instead.
 */
(function () {
  "use strict";

  const { el, button, keepMapSized } = window.AssetMapDom;

  function init() {
    const app = document.getElementById("picker-app");
    if (!app || !window.L) return;
    const map = window[app.dataset.map];
    const lon = document.getElementById("lon");
    const lat = document.getElementById("lat");
    const status = document.getElementById("location-status");
    const query = document.getElementById("place_query");
    const find = document.getElementById("place-find");
    const results = document.getElementById("place-results");
    const locate = document.getElementById("locate-me");
    const centre = document.getElementById("place-centre");
    const postcode = document.getElementById("postcode");
    const CLOSE_ZOOM = 17;
    let marker = null;
    let searching = null;

    function say(text) {
      status.textContent = text;
    }

    function place(latlng, message, zoomIn) {
      const point = L.latLng(Math.round(latlng.lat * 1e6) / 1e6, Math.round(latlng.lng * 1e6) / 1e6);
      if (!marker) {
        marker = L.marker(point, {
          draggable: true, keyboard: true, autoPan: true, title: "The place you chose", alt: "The place you chose",
        }).addTo(map);
        marker.on("dragend", () => {
          record(marker.getLatLng());
          say("Pin moved. It now shows where the place is.");
        });
      } else {
        marker.setLatLng(point);
      }
      record(point);
      if (zoomIn) map.setView(point, Math.max(map.getZoom(), CLOSE_ZOOM), { animate: false });
      if (message) say(message);
    }

    function record(latlng) {
      lon.value = latlng.lng.toFixed(6);
      lat.value = latlng.lat.toFixed(6);
      app.dataset.placed = lon.value + "," + lat.value; // tests wait for this
    }

    map.on("click", (e) => place(e.latlng, "Pin placed where you tapped. Drag it to adjust."));

    async function search() {
      const q = query.value.trim();
      results.replaceChildren();
      results.hidden = true;
      if (!q) {
        say("Type a postcode or place name first.");
        return;
      }
      if (searching) searching.abort();
      searching = new AbortController();
      say("Searching…");
      let found;
      try {
        const url = app.dataset.placesUrl + "?" + new URLSearchParams({ q: q, limit: "5" }).toString();
        const response = await fetch(url, { signal: searching.signal, headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error("the search answered " + response.status);
        found = (await response.json()).results || [];
      } catch (err) {
        if (err.name === "AbortError") return;
        say("Sorry, the search did not work. Tap the map instead, or try again.");
        return;
      }
      if (found.length === 0) {
        say("Nothing found for “" + q + "”. Check the spelling, or tap the map instead.");
        return;
      }
      found.forEach((result) => {
        const choose = button(result.label + (result.kind === "postcode" ? "" : " (" + result.kind + ")"),
                              "place-result");
        choose.setAttribute("aria-pressed", "false");
        choose.addEventListener("click", () => pick(result, choose));
        results.appendChild(el("li")).appendChild(choose);
      });
      results.hidden = false;
      // An exact postcode needs no second step.
      if (found.length === 1 && found[0].kind === "postcode") {
        pick(found[0], results.querySelector("button"));
      } else {
        say(found.length + (found.length === 1 ? " place found" : " places found") + ": choose one below.");
      }
    }

    function pick(result, chosen) {
      results.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(b === chosen)));
      // A postcode found is the entry's postcode too, unless the resident has typed a different one.
      if (result.kind === "postcode" && postcode && !postcode.value.trim()) postcode.value = result.label;
      place(L.latLng(result.lat, result.lon),
            "Pin placed at " + result.label + ". Drag it, or tap the map, to put it exactly where the place is.",
            true);
    }

    find.hidden = false;
    find.addEventListener("click", search);
    // Enter in the search box searches; it must not send the whole form.
    query.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        search();
      }
    });

    // Browsers give a position only to secure pages (https, or this computer).
    if (navigator.geolocation && window.isSecureContext) {
      locate.hidden = false;
      locate.addEventListener("click", () => {
        say("Finding where you are…");
        navigator.geolocation.getCurrentPosition(
          (pos) => place(L.latLng(pos.coords.latitude, pos.coords.longitude),
                         "Pin placed where you are now. Drag it if the place is not quite here.", true),
          (err) => say(err.code === 1
            ? "Your browser did not let us know where you are. Search or tap the map instead."
            : "We could not find where you are. Search or tap the map instead."),
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }

    // Pan with the arrow keys, then drop the pin: placing it without a pointer.
    centre.hidden = false;
    centre.addEventListener("click", () => place(map.getCenter(), "Pin placed in the middle of the map."));

    if (lon.value && lat.value && isFinite(Number(lon.value)) && isFinite(Number(lat.value))) {
      place(L.latLng(Number(lat.value), Number(lon.value)), null, true);
    }
    keepMapSized(map);
    app.dataset.ready = "yes";
  }

  window.AssetMap = window.AssetMap || {};
  window.AssetMap.placePicker = { init: init };
})();
