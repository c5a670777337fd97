/* The workshop set-up form: draw the area on the map (optional); the shape goes into the hidden `area` field. */
(function () {
  "use strict";
  const box = document.getElementById("setup-map");
  const field = document.getElementById("area");
  if (!box || !field || !window.L) return;
  const map = window[box.dataset.map];
  if (!map) return;
  window.AssetMapDom.keepMapSized(map);
  const tools = document.querySelector(".setup-draw");
  const status = document.getElementById("draw-status");
  const finish = document.getElementById("draw-finish");
  tools.hidden = false;
  const draw = window.AssetMapDraw.polygon(map, {
    onChange: function (s) {
      finish.disabled = s.finished || s.corners < 3;
      if (s.finished) status.textContent = "Area drawn. It is used instead of the neighbourhoods ticked above.";
      else if (s.corners) status.textContent = s.corners + " corners so far. " + (s.corners < 3 ? "Add at least 3." : "Press “Finish area” when done.");
      else status.textContent = "To draw the area, tap the map at each corner, then press “Finish area”.";
    },
  });
  if (field.value) {
    try { draw.show(JSON.parse(field.value)); } catch (e) { field.value = ""; }
  }
  draw.start();
  finish.addEventListener("click", () => {
    const g = draw.finish();
    if (g) field.value = JSON.stringify(g);
  });
  document.getElementById("draw-clear").addEventListener("click", () => {
    draw.clear();
    draw.start();
    field.value = "";
  });
})();
