/* backform app page: draws the pictures the app sends, shows its state, sends the person's commands.
   Everything comes from the local backform process over one WebSocket; nothing is fetched from elsewhere. */
(() => {
  "use strict";
  const token = document.querySelector('meta[name="backform-token"]').content;
  const $ = (id) => document.getElementById(id);
  const canvas = $("video");
  const ctx = canvas.getContext("2d");
  const PLACEMENT = {
    supine: "Put the laptop on the floor at your side, level with your hips, 2 to 3 metres away, screen towards you.",
    prone: "Put the laptop on the floor at your side, level with your chest, about 2 metres away, screen towards you.",
    quadruped: "Put the laptop on the floor at your side, level with your hips, 2 to 2.5 metres away, screen towards you.",
    standing: "Put the laptop at chest height on a table or shelf at your side, 2.5 to 3 metres away.",
  };
  const KEYS = { " ": "pause", p: "pause", n: "skip", r: "restart", m: "mute", e: "stop" };
  // figures the tests and the benchmark read
  const bf = (window.bf = { frames: 0, withPose: 0, states: 0, phase: null, control: false, last: null });
  let ws = null;
  let phase = null;
  let control = false;
  let cueN = -1;
  let poseShown = null;
  let starting = false; // this page asked for a start and has not heard back yet
  let startingShown = false;

  function text(el, s) { if (el.textContent !== s) el.textContent = s; }
  function show(el, on) { if (el.hidden === on) el.hidden = !on; }

  // -- connection -------------------------------------------------------------------------------------------
  function connect() {
    ws = new WebSocket(`ws://${location.host}/ws`);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => show($("connection"), false);
    ws.onclose = () => {
      show($("connection"), true);
      text($("connection"), "Lost the connection to backform. Trying again...");
      setTimeout(connect, 1500);
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data === "string") {
        const m = JSON.parse(ev.data);
        if (m.type === "state") render(m);
        else if (m.type === "notice") { notice(m.text); starting = false; }
      } else {
        frame(ev.data);
      }
    };
  }
  function send(obj) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(obj)); }

  function frame(buf) {
    const dv = new DataView(buf);
    const n = dv.getUint32(0, true);
    const pose = (dv.getUint32(4, true) & 1) === 1;
    createImageBitmap(new Blob([buf.slice(8)], { type: "image/jpeg" })).then((bmp) => {
      if (canvas.width !== bmp.width || canvas.height !== bmp.height) {
        canvas.width = bmp.width;
        canvas.height = bmp.height;
      }
      ctx.drawImage(bmp, 0, 0);
      bmp.close();
      bf.frames += 1;
      if (pose) bf.withPose += 1;
      if (pose !== poseShown) {
        poseShown = pose;
        text($("pose-note"), pose ? "Your outline is drawn on the picture." : "The camera does not see you yet.");
      }
      send({ ack: n });
    }).catch(() => send({ ack: n }));
  }

  function notice(s) {
    const el = $("notice");
    text(el, s || "");
    show(el, !!s);
  }

  // -- state ------------------------------------------------------------------------------------------------
  function render(s) {
    bf.states += 1;
    bf.last = s;
    control = s.control;
    bf.control = control;
    show($("tabnote"), !control);
    for (const b of document.querySelectorAll("#live .controls button, #start, #again, #send")) b.disabled = !control;
    if (s.error) { notice(s.error); starting = false; }
    if (s.starting) {
      text($("connection"), "Starting: opening the camera and the pose model (the first time takes a minute)...");
      show($("connection"), true);
      startingShown = true;
    } else if (startingShown && !starting) {
      startingShown = false;
      if (ws && ws.readyState === 1) show($("connection"), false);
    }
    if (s.phase !== phase) enter(s.phase, s);
    phase = s.phase;
    bf.phase = phase;
    if (phase === "running" && s.live) live(s.live);
  }

  function enter(p, s) {
    show($("home"), p === "home");
    show($("live"), p === "running");
    show($("summary"), p === "ended");
    if (p === "home") {
      loadHome();
      if (!s.error) notice("");
      show($("connection"), false);
    }
    if (p === "running") {
      notice("");
      starting = false;
      cueN = -1;
      if (ws && ws.readyState === 1) show($("connection"), false);
      if (control) $("pause").focus();
    }
    if (p === "ended") { summary(s); $("summary-h").setAttribute("tabindex", "-1"); $("summary-h").focus(); }
  }

  function live(L) {
    text($("ex-label"), L.exercise.label);
    const st = L.step;
    text($("set-label"), st && st.kind === "set" ? `set ${st.set} of ${st.sets}` : st ? "" : `set ${L.set}`);
    const sides = L.side_counts || {};
    const perSide = L.exercise.per_side && ("left" in sides || "right" in sides);
    text($("reps"), String(L.reps));
    text($("reps-target"), L.reps_target ? ` / ${L.reps_target}${perSide ? " each side" : ""}` : "");
    text($("sides"), perSide ? `Left ${sides.left || 0}, right ${sides.right || 0}` : "");
    const hasHold = L.hold_target_s > 0;
    show($("hold-box"), hasHold && !L.rest);
    show($("reps-box"), !L.rest);
    text($("hold"), String(Math.floor(L.hold_s)));
    text($("hold-target"), hasHold ? ` / ${Math.round(L.hold_target_s)}` : "");
    $("hold").classList.toggle("hold-done", hasHold && L.hold_s >= L.hold_target_s);
    if (L.cue && L.cue.n !== cueN) { cueN = L.cue.n; text($("cue"), L.cue.text); }
    text($("faults"), (L.faults || []).join(". "));
    const rest = L.rest;
    const setupBad = !rest && (L.setup ? !L.setup.ok : L.phase === null);
    show($("setup"), setupBad);
    if (setupBad) {
      const img = $("placement");
      const src = `/static/placement/${L.exercise.posture}.svg`;
      if (!img.src.endsWith(src)) { img.src = src; img.alt = PLACEMENT[L.exercise.posture] || ""; }
      const msgs = L.setup ? (L.setup.messages.length ? L.setup.messages : ["Hold still a moment..."]) : ["Looking for you..."];
      const ul = $("setup-msgs");
      const joined = msgs.join("\n");
      if (ul.dataset.msgs !== joined) {
        ul.dataset.msgs = joined;
        ul.replaceChildren(...msgs.map((m) => { const li = document.createElement("li"); li.textContent = m; return li; }));
      }
    }
    show($("rest"), !!rest);
    if (rest) { text($("rest-left"), String(Math.ceil(rest.left_s))); text($("rest-next"), rest.next); }
    show($("paused-note"), L.paused);
    $("pause").firstChild.textContent = L.paused ? "Resume " : "Pause ";
    $("mute").firstChild.textContent = L.muted ? "Voice on " : "Voice off ";
    show($("skip"), !!st);
  }

  function summary(s) {
    const sm = s.summary || { sets: [], reps: 0, faults: 0 };
    const line = `${sm.reps} ${sm.reps === 1 ? "rep" : "reps"} in ${sm.sets.length} ${sm.sets.length === 1 ? "set" : "sets"}` +
      (sm.faults ? `, ${sm.faults} form ${sm.faults === 1 ? "point" : "points"} to work on.` : ", no form points to work on.");
    text($("sum-line"), line);
    $("sum-line").dataset.reps = sm.reps;
    $("sum-line").dataset.faults = sm.faults;
    const pr = sm.programme;
    text($("sum-prog"), pr ? `${pr.name || "Programme"}: ${pr.sets_done} of ${pr.sets_prescribed} sets done` +
      (pr.complete ? " - all done, well done!" : ".") : "");
    show($("prog-table"), !!(pr && pr.exercises && pr.exercises.length));
    if (pr && pr.exercises) {
      rows($("prog-table"), pr.exercises.map((e) => ({
        key: e.exercise,
        cells: [e.label, e.sets_done, e.sets, e.reps_done, e.reps == null ? "-" : e.reps + (e.per_side ? " each side" : ""),
          e.holds_met],
      })), ["exercise", "sets", "sets-asked", "reps", "reps-asked", "holds"]);
    }
    const body = $("sum-table").tBodies[0];
    body.replaceChildren(...sm.sets.map((x) => {
      const tr = document.createElement("tr");
      tr.dataset.set = x.set;
      const counts = {};
      for (const f of x.faults) counts[f.message] = (counts[f.message] || 0) + 1;
      const faults = Object.entries(counts).map(([m, n]) => (n > 1 ? `${m} (${n} times)` : m)).join("; ") || "None";
      const cells = [x.set, x.label, x.reps, x.reps_prescribed == null ? "-" : x.reps_prescribed + (x.per_side ? " each side" : ""),
        x.holds.length ? x.holds.join(", ") : "-", faults];
      cells.forEach((c, i) => {
        const td = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) td.scope = "row";
        td.textContent = String(c);
        td.dataset.col = ["set", "exercise", "reps", "asked", "holds", "faults"][i];
        td.dataset.label = $("sum-table").tHead.rows[0].cells[i].textContent;
        td.dataset.n = i === 5 ? x.faults.length : "";
        tr.appendChild(td);
      });
      return tr;
    }));
    $("report-link").href = `/history/${encodeURIComponent(sm.folder || s.folder)}`;
    $("report-link").target = "_blank";
    $("report-link").textContent = "See the full report (opens in a new tab)";
    show($("send"), !!s.upload);
    text($("send-result"), "");
  }

  function rows(table, items, cols) {
    // a table body from [{key, cells}]: the first cell is the row's header; each cell says its column
    const heads = [...table.tHead.rows[0].cells].map((c) => c.textContent);
    table.tBodies[0].replaceChildren(...items.map((it) => {
      const tr = document.createElement("tr");
      tr.dataset.key = it.key;
      it.cells.forEach((c, i) => {
        const td = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) td.scope = "row";
        td.textContent = String(c);
        td.dataset.col = cols[i];
        td.dataset.label = heads[i];
        tr.appendChild(td);
      });
      return tr;
    }));
  }

  // -- the start page ---------------------------------------------------------------------------------------
  async function loadHome() {
    try {
      const home = await (await fetch("/api/home", { credentials: "same-origin" })).json();
      plan(home.plan);
      const sel = $("camera");
      const cur = sel.value;
      sel.replaceChildren(...home.cameras.map((c) => new Option(c.label, c.id)));
      if (cur) sel.value = cur;
      history(await (await fetch("/api/history", { credentials: "same-origin" })).json());
    } catch (e) {
      notice("Cannot reach backform. Is it still running?");
    }
  }

  function placement(ex) {
    // where to put the laptop for the first exercise, shown before starting
    show($("home-placement"), !!ex);
    if (!ex) return;
    $("home-placement-img").src = `/static/placement/${ex.posture}.svg`;
    text($("home-placement-text"), `${ex.label}: ${PLACEMENT[ex.posture] || ""}`);
  }

  function plan(p) {
    const el = $("plan");
    if (p.programme) {
      const h = document.createElement("p");
      h.textContent = p.title ? `Your programme: ${p.title}` : "Your programme:";
      const ol = document.createElement("ol");
      ol.className = "plan-list";
      for (const b of p.blocks) {
        const li = document.createElement("li");
        const what = document.createElement("span");
        what.className = "what";
        what.textContent = b.label;
        const hold = b.hold_s ? `, hold ${b.hold_s} seconds` : "";
        li.append(what, document.createElement("br"),
          `${b.sets} ${b.sets === 1 ? "set" : "sets"} of ${b.reps} reps${b.per_side ? " each side" : ""}${hold}, rest ${b.rest_s} seconds between sets`);
        if (b.notes) li.append(document.createElement("br"), b.notes);
        ol.appendChild(li);
      }
      el.replaceChildren(h, ol);
      placement(p.blocks[0]);
    } else if (!el.querySelector("#exercise")) {
      const div = document.createElement("div");
      div.className = "field";
      const lab = document.createElement("label");
      lab.htmlFor = "exercise";
      lab.textContent = "Exercise";
      const sel = document.createElement("select");
      sel.id = "exercise";
      for (const c of p.choices) sel.appendChild(new Option(c.label, c.name, false, c.name === p.exercise));
      div.append(lab, sel);
      el.replaceChildren(div);
      const pick = () => placement(p.choices.find((c) => c.name === sel.value));
      sel.addEventListener("change", pick);
      pick();
    }
  }

  function history(h) {
    const rows = h.sessions || [];
    show($("history-empty"), rows.length === 0);
    show($("history"), rows.length > 0);
    $("history").tBodies[0].replaceChildren(...rows.map((r) => {
      const tr = document.createElement("tr");
      const a = document.createElement("a");
      a.href = `/history/${encodeURIComponent(r.name)}`;
      a.target = "_blank";
      a.textContent = "Open the report";
      a.setAttribute("aria-label", `Open the report of ${r.date} (opens in a new tab)`);
      const cells = [r.date, r.ok ? r.exercises.join(", ") : "(cannot be read)", r.ok ? r.reps : "-", r.ok ? r.faults : "-", a];
      for (const c of cells) {
        const td = document.createElement("td");
        td.append(c instanceof Node ? c : String(c));
        tr.appendChild(td);
      }
      return tr;
    }));
  }

  // -- commands ---------------------------------------------------------------------------------------------
  $("start").addEventListener("click", () => {
    if (starting) return;
    starting = true;
    notice("");
    text($("connection"), "Starting: opening the camera and the pose model...");
    show($("connection"), true);
    startingShown = true;
    const ex = $("exercise");
    send({ cmd: "start", camera: $("camera").value, exercise: ex ? ex.value : null });
    setTimeout(() => {
      starting = false;
      if (phase !== "running" && !(bf.last && bf.last.starting)) show($("connection"), false);
    }, 15000);
  });
  for (const id of ["pause", "skip", "restart", "mute", "stop"]) $(id).addEventListener("click", () => send({ cmd: id }));
  $("again").addEventListener("click", () => send({ cmd: "home" }));
  $("take").addEventListener("click", () => send({ cmd: "take_control" }));
  $("send").addEventListener("click", async () => {
    const name = (bf.last && bf.last.summary && bf.last.summary.folder) || "";
    $("send").disabled = true;
    text($("send-result"), "Sending...");
    try {
      const r = await fetch(`/api/send/${encodeURIComponent(name)}`, {
        method: "POST", credentials: "same-origin", headers: { "X-Backform-Token": token } });
      text($("send-result"), (await r.json()).message);
    } catch (e) {
      text($("send-result"), "Could not send it. Try again later.");
    }
    $("send").disabled = !control;
  });
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || phase !== "running" || !control) return;
    const tag = e.target.tagName;
    if (tag === "SELECT" || tag === "INPUT" || tag === "TEXTAREA") return;
    const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if ((k === " " || k === "Enter") && (tag === "BUTTON" || tag === "A")) return; // the focused control acts
    if (KEYS[k]) { e.preventDefault(); send({ cmd: KEYS[k] }); }
  });
  connect();
})();
