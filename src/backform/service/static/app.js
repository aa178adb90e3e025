// The session page: a rep's start time seeks the video; the rep being played is highlighted. Nothing else.
document.addEventListener("DOMContentLoaded", () => {
  const v = document.getElementById("video");
  const rows = [...document.querySelectorAll("#reps tbody tr")];
  document.querySelectorAll("button.seek").forEach(b => b.addEventListener("click", () => {
    if (v) { v.currentTime = parseFloat(b.dataset.t); v.play(); }
  }));
  if (v) v.addEventListener("timeupdate", () => rows.forEach(r => r.classList.toggle("now",
    v.currentTime >= parseFloat(r.dataset.start) && v.currentTime <= parseFloat(r.dataset.end))));
});
