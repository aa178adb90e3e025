// The session page: the angle plots' time cursor and the rep table follow the video; a click on a plot or on a
// rep's start time seeks the video. Nothing else.
document.addEventListener("DOMContentLoaded", () => {
  const v = document.getElementById("video");
  const rows = [...document.querySelectorAll("#reps tbody tr")];
  const box = document.querySelector(".synced");
  const d = box ? box.dataset : {};
  const T = parseFloat(d.tend), L = parseFloat(d.left), W = parseFloat(d.width), SW = parseFloat(d.svgwidth);
  const seek = t => { if (v) { v.currentTime = t; v.play(); } };
  document.querySelectorAll("button.seek").forEach(b => b.addEventListener("click", () => seek(parseFloat(b.dataset.t))));
  if (!v) return;
  if (box) box.querySelectorAll("svg.plot").forEach(svg => svg.addEventListener("click", e => {
    const r = svg.getBoundingClientRect(), x = (e.clientX - r.left) * SW / r.width;
    if (x >= L && x <= L + W) seek((x - L) / W * T);
  }));
  v.addEventListener("timeupdate", () => {
    const t = v.currentTime;
    rows.forEach(r => r.classList.toggle("now", t >= parseFloat(r.dataset.start) && t <= parseFloat(r.dataset.end)));
    if (box && T > 0) box.querySelectorAll("svg.plot .cursor").forEach(c => {
      const x = L + W * Math.min(t, T) / T;
      c.setAttribute("x1", x); c.setAttribute("x2", x);
    });
  });
});
