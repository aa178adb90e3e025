"""What the page is told, as plain JSON-ready dicts: today's plan, the live state of a session (counters,
hold, cue, set-up advice, rest timer) and the end-of-session summary, read from the typed ``session.json``."""
from __future__ import annotations

from .. import session as S
from ..exercises import names, spec


def label(name: str | None) -> str:
    if not name:
        return ""
    return (spec(name).label or name.replace("_", " ")).capitalize()


def exercise_info(name: str) -> dict:
    ex = spec(name)
    return {"name": name, "label": label(name), "posture": ex.posture, "per_side": bool(ex.per_side)}


def plan(programme, exercise: str | None) -> dict:
    """Today's programme (its exercises, sets, reps, holds, rests), or one exercise (None: the person picks)."""
    if programme is not None:
        return {"title": programme.title, "programme": True, "blocks": [
            {**exercise_info(b.exercise), "sets": b.sets, "reps": b.reps, "hold_s": b.hold_s, "rest_s": b.rest_s,
             "notes": b.notes} for b in programme.blocks]}
    return {"title": None, "programme": False, "exercise": exercise,
            "choices": [exercise_info(n) for n in names()]}


def live_state(sess) -> dict:
    """The running session now: the open set's counters (from the latest result the display would draw), the
    hold, faults, the set-up check, the last thing said, the programme step and a rest's countdown."""
    flow = sess.flow
    ex = flow.exercise
    pub = sess.board.latest()
    cur = pub is not None and pub.set_no == flow.set_no and pub.exercise == flow.exercise_name
    res = pub.res if cur else None
    st = flow.step
    d = {"exercise": exercise_info(flow.exercise_name), "set": flow.set_no, "paused": flow.paused,
         "muted": bool(sess.speaker.muted), "reps": res.rep_count if res else (len(ex.reps) if ex else 0),
         "reps_target": getattr(ex, "reps_target", None), "side_counts": dict(res.side_counts) if res else {},
         "hold_s": round(res.hold_s, 1) if res else 0.0,
         "hold_target_s": round(res.hold_target_s if res else getattr(ex, "hold_target_s", 0.0) or 0.0, 1),
         "phase": res.phase.value if res else None, "faults": [f.message for f in res.faults] if res else [],
         "setup": None, "cue": None, "step": None, "rest": None, "t_s": round(sess.last_t, 2)}
    setup = pub.setup if cur else None
    if setup is not None:
        d["setup"] = {"ok": setup.ok, "good": setup.good, "problems": list(setup.problems),
                      "messages": list(setup.messages)}
    ann = sess.coach.announcements
    if ann:
        a = ann[-1]
        d["cue"] = {"n": len(ann), "text": a.text, "kind": a.kind}
    if st is not None:
        d["step"] = {"kind": st.kind, "exercise": st.exercise, "label": label(st.exercise), "set": st.set,
                     "sets": st.sets, "reps": st.reps, "per_side": st.per_side}
        if st.reps is not None and st.kind == "set":
            d["reps_target"] = st.reps
        if st.kind == "rest":
            left = min(st.rest_s, max(0.0, st.rest_s - (sess.last_t - flow.walker.start_s)))
            d["rest"] = {"left_s": round(left, 1), "total_s": st.rest_s, "next": label(st.exercise)}
    return d


def summary(session: S.Session, folder: str) -> dict:
    """The end-of-session summary, every figure from ``session.json``: per set the reps (against the
    programme's), the holds and the faults; the totals; the programme's sets done of prescribed."""
    live = session.live if isinstance(session.live, S.LiveInfo) else None
    params = session.params if isinstance(session.params, dict) else {}
    sets = []
    for s in (live.sets if live is not None else []):
        sets.append({"set": s.set, "exercise": s.exercise, "label": label(s.exercise), "reps": s.rep_count,
                     "reps_prescribed": s.reps_prescribed, "per_side": s.per_side, "complete": s.complete,
                     "holds": [round(r.hold_s, 1) for r in s.reps if r.hold_s is not None],
                     "faults": [{"code": f.code, "rep": f.rep, "message": f.message} for f in s.faults]})
    out = {"folder": folder, "exercise": session.exercise, "end": live.end if live is not None else None,
           "final": bool(live.final) if live is not None else False, "sets": sets,
           "reps": sum(s["reps"] for s in sets), "faults": sum(len(s["faults"]) for s in sets),
           "hold_target_s": params.get("hold_s"), "programme": None}
    pr = session.programme if isinstance(session.programme, S.ProgrammeInfo) else None
    if pr is not None and isinstance(pr.sets_prescribed, int):
        out["programme"] = {"name": pr.name, "sets_done": pr.sets_done, "sets_prescribed": pr.sets_prescribed,
                            "complete": pr.complete is True, "exercises": [
                                {"exercise": e.block.exercise, "label": label(e.block.exercise),
                                 "sets": e.block.sets, "sets_done": e.score.done.sets,
                                 "reps": e.score.prescribed.reps, "reps_done": e.score.done.reps,
                                 "per_side": e.block.per_side, "holds_met": e.score.done.holds_met}
                                for e in (pr.exercises if isinstance(pr.exercises, list) else [])]}
    return out
