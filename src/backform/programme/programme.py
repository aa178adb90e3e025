"""Programme files: what a therapist prescribes for one patient, in TOML.

A programme lists the exercises in order, each with its sets, reps (per side for the bird dog), hold target,
rest between sets and per-person threshold overrides (the fields of the exercise's ``Params`` dataclass).
Validation is strict: an unknown key, a wrong type or an out-of-range value is a :class:`ProgrammeError`
naming the key and what is allowed, shown by the CLI as one line.

Format (``backform.programme/1``; see ``calibration/README.md`` and ``calibration/example_programme.toml``)::

    [programme]
    name = "Phase 1 home programme"
    patient = "P-0042"              # an identifier, not a name
    calibration = "p0042.toml"      # optional, relative to this file
    rest_between_exercises_s = 60

    [[exercise]]
    name = "bridge"
    sets = 2
    reps = 10                       # per side for bird_dog
    hold_s = 2.0
    rest_s = 60                     # between sets
    [exercise.thresholds]           # optional overrides of the checker's parameters
    min_hip_extension_deg = 155

:class:`Programme` scores a finished session (:func:`score`: a typed :class:`backform.session.Score`) and
walks through the prescription for a live session (:meth:`Programme.steps`: an iterator of :class:`Step`, each
with the spoken transition). What an exercise is (its label, whether reps count per side, its parameters) comes
from the exercise itself (:func:`backform.exercises.spec`). :func:`resolve` loads the calibration profile:
this module imports :mod:`.calibration`, never the reverse.
"""
from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .. import session as S
from ..errors import BackformError
from ..exercises import names as exercise_names, params_defaults, spec
from ..io.tomlfile import read_toml
from .calibration import load as load_calibration

log = logging.getLogger(__name__)

SCHEMA = "backform.programme/1"
# Params fields set through the exercise entry itself, not through [exercise.thresholds]
RESERVED_PARAMS = {"reps": "reps", "hold_s": "hold_s", "reps_max": "reps"}


class ProgrammeError(BackformError):
    """A programme file that cannot be read or does not validate; the message names the key and what is allowed."""


# --- validation helpers ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    kind: type            # int, float (int accepted), str, bool
    lo: float | None = None
    hi: float | None = None
    doc: str = ""

    def allowed(self) -> str:
        if self.kind is str:
            return "a string"
        if self.kind is bool:
            return "true or false"
        what = "a whole number" if self.kind is int else "a number"
        return f"{what} from {self.lo:g} to {self.hi:g}"

    def check(self, where: str, v):
        ok_type = (isinstance(v, bool) if self.kind is bool else isinstance(v, str) if self.kind is str
                   else isinstance(v, int) and not isinstance(v, bool) if self.kind is int
                   else isinstance(v, (int, float)) and not isinstance(v, bool))
        if not ok_type:
            raise ProgrammeError(f"{where} = {v!r} is not valid; allowed: {self.allowed()}")
        if self.kind in (int, float):
            if not math.isfinite(v) or (self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi):
                raise ProgrammeError(f"{where} = {v!r} is out of range; allowed: {self.allowed()}")
            return float(v) if self.kind is float else int(v)
        return v


PROGRAMME_KEYS = {
    "schema": Rule(str, doc=f'optional, "{SCHEMA}"'),
    "name": Rule(str, doc="title shown in reports and spoken at the start"),
    "patient": Rule(str, doc="an identifier for the patient (not a name: reports may be shared)"),
    "therapist": Rule(str, doc="who prescribed it"),
    "notes": Rule(str, doc="free text shown in reports"),
    "calibration": Rule(str, doc="calibration profile (TOML), relative to the programme file"),
    "rest_between_exercises_s": Rule(float, 0, 900, "rest before the next exercise, seconds"),
}
EXERCISE_KEYS = {
    "name": Rule(str, doc="the exercise (one of backform.exercises.names())"),
    "sets": Rule(int, 1, 10, "sets"),
    "reps": Rule(int, 1, 50, "reps per set (per side for an exercise counted per side)"),
    "hold_s": Rule(float, 0, 60, "hold (pause) target at the top, seconds"),
    "rest_s": Rule(float, 0, 600, "rest between sets, seconds"),
    "notes": Rule(str, doc="instructions shown and spoken before the exercise"),
    "thresholds": Rule(dict, doc="overrides of the checker's parameters (see the exercise's Params)"),
}
# Threshold overrides are checked by unit, from the parameter's name
THRESHOLD_UNITS = (("_deg", -180.0, 360.0), ("_s", 0.0, 120.0), ("_points", 0, 10000), ("", -10.0, 10.0))


def _threshold_rule(name: str, default) -> Rule:
    kind = int if isinstance(default, int) and not isinstance(default, bool) else float
    for suffix, lo, hi in THRESHOLD_UNITS:
        if name.endswith(suffix):
            return Rule(kind, lo, hi)
    raise AssertionError  # "" matches everything


def _unknown(where: str, key: str, allowed) -> ProgrammeError:
    return ProgrammeError(f"{where}: unknown key {key!r}; allowed: {', '.join(allowed)}")


# --- the model ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    """One exercise of the programme."""

    index: int                  # 1-based position in the programme
    exercise: str
    sets: int
    reps: int                   # per set; per side when ``per_side``
    hold_s: float
    rest_s: float
    thresholds: dict = field(default_factory=dict)
    notes: str = ""

    @property
    def per_side(self) -> bool:
        """Reps counted per side (the working arm): the exercise's own ``per_side``."""
        return spec(self.exercise).per_side

    @property
    def label(self) -> str:
        return spec(self.exercise).label or self.exercise.replace("_", " ")

    @property
    def prescribed_reps(self) -> int:
        """Total reps over all sets (per side when ``per_side``)."""
        return self.sets * self.reps

    def params(self) -> dict:
        """Parameter overrides for :func:`backform.exercises.get`: thresholds, reps and hold target."""
        p = dict(self.thresholds)
        p["reps"] = self.reps
        p["hold_s"] = self.hold_s
        defaults = params_defaults(self.exercise)
        if "reps_max" in defaults:
            p["reps_max"] = max(self.reps, int(defaults["reps_max"]))
        return p

    def to_json(self) -> dict:
        return {"index": self.index, "exercise": self.exercise, "sets": self.sets, "reps": self.reps,
                "per_side": self.per_side, "hold_s": self.hold_s, "rest_s": self.rest_s,
                "thresholds": dict(self.thresholds), "notes": self.notes}


@dataclass(frozen=True)
class Step:
    """One step of walking through a programme: a set to do, a rest, or the end.

    ``kind`` is ``"set"``, ``"rest"`` or ``"done"``. ``say`` is the spoken transition (what to announce when
    the step begins). For a rest, ``exercise``/``set`` name what comes next.
    """

    kind: str
    exercise: str | None
    block: int | None           # 1-based programme position
    set: int | None             # 1-based
    sets: int | None
    reps: int | None            # reps to do in this set (per side when per_side)
    per_side: bool
    hold_s: float
    rest_s: float               # rest length for a rest step; rest after this set for a set step
    params: dict
    say: str

    def target_met(self, exercise) -> bool:
        """True when ``exercise`` (the live checker of this set) has done the reps of the set."""
        if self.kind != "set" or self.reps is None:
            return True
        if self.per_side:
            c = exercise.side_counts() if hasattr(exercise, "side_counts") else {}
            return min(c.get("left", 0), c.get("right", 0)) >= self.reps
        return len(exercise.reps) >= self.reps


@dataclass(frozen=True)
class Programme:
    blocks: tuple[Block, ...]
    name: str = ""
    patient: str = ""
    therapist: str = ""
    notes: str = ""
    calibration: Path | None = None
    rest_between_exercises_s: float = 60.0
    path: Path | None = None

    @property
    def exercises(self) -> list[str]:
        return [b.exercise for b in self.blocks]

    def block(self, exercise: str) -> Block:
        for b in self.blocks:
            if b.exercise == exercise:
                return b
        raise ProgrammeError(f"exercise {exercise!r} is not in the programme {self.title!r}; "
                             f"it has: {', '.join(self.exercises)}")

    @property
    def title(self) -> str:
        return self.name or (self.path.stem if self.path else "programme")

    def to_json(self) -> dict:
        return {"schema": SCHEMA, "name": self.name, "patient": self.patient, "therapist": self.therapist,
                "notes": self.notes, "path": str(self.path) if self.path else None,
                "calibration": str(self.calibration) if self.calibration else None,
                "rest_between_exercises_s": self.rest_between_exercises_s,
                "exercises": [b.to_json() for b in self.blocks]}

    # -- walking through it (live) ----------------------------------------------------------------------------
    def steps(self) -> Iterator[Step]:
        """Sets and rests in order, ending with a ``done`` step. Each carries what to say when it begins."""
        blocks = self.blocks
        for bi, b in enumerate(blocks):
            for s in range(1, b.sets + 1):
                yield Step("set", b.exercise, b.index, s, b.sets, b.reps, b.per_side, b.hold_s, b.rest_s,
                           b.params(), _say_set(b, s, first=(bi == 0 and s == 1), title=self.name))
                last_set = s == b.sets
                if last_set and bi == len(blocks) - 1:
                    break
                if not last_set:
                    yield Step("rest", b.exercise, b.index, s + 1, b.sets, b.reps, b.per_side, b.hold_s,
                               b.rest_s, b.params(), _say_rest(b.rest_s, f"set {s + 1} of {b.sets} of the {b.label}"))
                else:
                    nb = blocks[bi + 1]
                    yield Step("rest", nb.exercise, nb.index, 1, nb.sets, nb.reps, nb.per_side, nb.hold_s,
                               self.rest_between_exercises_s, nb.params(),
                               _say_rest(self.rest_between_exercises_s, f"the {nb.label}"))
        yield Step("done", None, None, None, None, None, False, 0.0, 0.0, {},
                   "That's the whole programme done. Well done!")

    def __iter__(self) -> Iterator[Step]:
        return self.steps()


def _reps_text(b: Block) -> str:
    r = f"{b.reps} {'rep' if b.reps == 1 else 'reps'}"
    return r + (" on each side" if b.per_side else "")


def _hold_text(h: float) -> str:
    if h <= 0:
        return ""
    return f", holding {h:g} {'second' if h == 1 else 'seconds'} at the top"


def _say_set(b: Block, s: int, first: bool, title: str) -> str:
    intro = (f"Let's start: {title}. First" if first and title else "Let's start. First" if first else "Next")
    if s == 1:
        text = f"{intro}: the {b.label}. {b.sets} {'set' if b.sets == 1 else 'sets'} of {_reps_text(b)}" \
               f"{_hold_text(b.hold_s)}."
        if b.notes:
            text += f" {b.notes}"
        return text + (" Set 1." if b.sets > 1 else "")
    return f"Set {s} of {b.sets}: {_reps_text(b)}{_hold_text(b.hold_s)}."


def _say_rest(rest_s: float, next_: str) -> str:
    if rest_s <= 0:
        return f"Now {next_}."
    return f"Rest for {rest_s:g} {'second' if rest_s == 1 else 'seconds'}. Then {next_}."


# --- loading -----------------------------------------------------------------------------------------------------
def parse(data: dict, path: Path | None = None) -> Programme:
    """Validate a parsed TOML document and build the :class:`Programme`."""
    src = str(path) if path else "programme"
    valid_names = list(exercise_names())
    top_allowed = ("programme", "exercise")
    for k in data:
        if k not in top_allowed:
            raise _unknown(src, k, ["[programme]", "[[exercise]]"])
    head = data.get("programme", {})
    if not isinstance(head, dict):
        raise ProgrammeError(f"{src}: [programme] must be a table")
    meta = {}
    for k, v in head.items():
        if k not in PROGRAMME_KEYS:
            raise _unknown(f"{src}: [programme]", k, PROGRAMME_KEYS)
        meta[k] = PROGRAMME_KEYS[k].check(f"{src}: programme.{k}", v)
    if meta.get("schema", SCHEMA) != SCHEMA:
        raise ProgrammeError(f"{src}: programme.schema = {meta['schema']!r} is not supported; allowed: {SCHEMA!r}")
    items = data.get("exercise")
    if not items:
        raise ProgrammeError(f"{src}: no [[exercise]] entries; a programme needs at least one "
                             f"(exercise names: {', '.join(valid_names)})")
    if not isinstance(items, list):
        raise ProgrammeError(f"{src}: 'exercise' must be an array of tables ([[exercise]])")
    blocks = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ProgrammeError(f"{src}: exercise {i} must be a table ([[exercise]])")
        name = item.get("name")
        where = f"{src}: exercise {i}" + (f" ({name})" if isinstance(name, str) else "")
        if name is None:
            raise ProgrammeError(f"{where}: missing key 'name'; allowed: {', '.join(valid_names)}")
        if name not in valid_names:
            raise ProgrammeError(f"{where}: name = {name!r} is not an exercise; allowed: {', '.join(valid_names)}")
        for k in item:
            if k not in EXERCISE_KEYS:
                raise _unknown(where, k, EXERCISE_KEYS)
        defaults = params_defaults(name)
        vals = {}
        for k in ("sets", "reps", "hold_s", "rest_s"):
            if k in item:
                vals[k] = EXERCISE_KEYS[k].check(f"{where}: {k}", item[k])
        notes = EXERCISE_KEYS["notes"].check(f"{where}: notes", item.get("notes", ""))
        thr = item.get("thresholds", {})
        if not isinstance(thr, dict):
            raise ProgrammeError(f"{where}: thresholds must be a table ([exercise.thresholds])")
        allowed_thr = [k for k in defaults if k not in RESERVED_PARAMS]
        thresholds = {}
        for k, v in thr.items():
            if k in RESERVED_PARAMS:
                raise ProgrammeError(f"{where}: thresholds.{k}: set {RESERVED_PARAMS[k]!r} on the exercise "
                                     f"itself, not under thresholds")
            if k not in defaults:
                raise _unknown(f"{where}: thresholds", k, allowed_thr)
            thresholds[k] = _threshold_rule(k, defaults[k]).check(f"{where}: thresholds.{k}", v)
        blocks.append(Block(index=i, exercise=name, sets=vals.get("sets", 1),
                            reps=vals.get("reps", int(defaults.get("reps", 10))),
                            hold_s=vals.get("hold_s", float(defaults.get("hold_s", 0.0))),
                            rest_s=vals.get("rest_s", 60.0), thresholds=thresholds, notes=notes))
    seen = [b.exercise for b in blocks]
    dup = sorted({n for n in seen if seen.count(n) > 1})
    if dup:
        raise ProgrammeError(f"{src}: exercise {dup[0]!r} appears twice; list each exercise once "
                             f"(use sets for repeats)")
    cal = meta.get("calibration")
    cal_path = None
    if cal:
        cal_path = Path(cal)
        if not cal_path.is_absolute() and path is not None:
            cal_path = path.parent / cal_path
    return Programme(blocks=tuple(blocks), name=meta.get("name", ""), patient=meta.get("patient", ""),
                     therapist=meta.get("therapist", ""), notes=meta.get("notes", ""), calibration=cal_path,
                     rest_between_exercises_s=meta.get("rest_between_exercises_s", 60.0), path=path)


def load(path: str | os.PathLike) -> Programme:
    """Read and validate a programme file (TOML)."""
    p = Path(path)
    if not p.is_file():
        raise ProgrammeError(f"programme file not found: {p}")
    data = read_toml(p, ProgrammeError, "programme")
    prog = parse(data, p)
    log.info("programme %s: %s", p, ", ".join(f"{b.exercise} {b.sets}x{b.reps}" for b in prog.blocks))
    return prog


# --- scoring a session against it --------------------------------------------------------------------------------
def split_sets(reps: list[S.Rep], gap_s: float) -> list[list[S.Rep]]:
    """Reps grouped into sets: a pause longer than ``gap_s`` between one rep's end and the next one's start
    starts a new set."""
    out: list[list[S.Rep]] = []
    for r in reps:
        if not out or (r.start_s or 0.0) - (out[-1][-1].end_s or out[-1][-1].start_s or 0.0) > gap_s:
            out.append([])
        out[-1].append(r)
    return out


def hold_ok(rep: S.Rep, target: float, tolerance: float) -> bool:
    return (rep.hold_s or 0.0) >= target - tolerance - 1e-9


def _targets(session: S.Session) -> tuple[float, int | None]:
    """``(hold_s, reps per set)`` the checker itself aimed at (``session.targets``)."""
    t = session.targets or S.Targets()
    r = t.reps_per_side or t.reps
    return float(t.hold_s or 0.0), (int(r[0] if isinstance(r, list) else r) if r else None)


def score(session: S.Session | dict, block: Block | None = None) -> S.Score:
    """The session against its prescription: reps and holds done vs prescribed (per side for an exercise
    counted per side), sets seen, reps with faults. Without a ``block`` the checker's own targets
    (``session.targets``) are used. Every figure comes from ``session.reps`` so the report and
    ``session.json`` agree. A plain dict (``session.json`` as read by ``json``) is converted to a
    :class:`~backform.session.Session` first."""
    if isinstance(session, dict):  # callers that still hold session.json as a dict
        session = S.convert(session, S.Session)
    reps = list(session.reps)
    ex = session.exercise
    tol = float((session.params or {}).get("hold_tolerance_s", 0.15))
    if block is not None:
        target_hold, per_rep, sets_rx, rest_s = block.hold_s, block.reps, block.sets, block.rest_s
        per_side = block.per_side
    else:
        target_hold, per_rep = _targets(session)
        sets_rx, rest_s = 1, 60.0
        per_side = bool(ex) and ex in exercise_names() and spec(ex).per_side
    sets = split_sets(reps, gap_s=max(20.0, 0.5 * rest_s))
    holds = [float(r.hold_s or 0.0) for r in reps]
    pres = (per_rep * sets_rx) if per_rep else None
    sc = S.Score(
        exercise=ex,
        prescribed=S.Prescribed(sets=sets_rx, reps_per_set=per_rep, per_side=per_side, reps=pres,
                                hold_s=target_hold, hold_tolerance_s=tol, rest_s=rest_s),
        done=S.Done(reps=len(reps), sets=len(sets), reps_per_set=[len(s) for s in sets],
                    holds_met=sum(hold_ok(r, target_hold, tol) for r in reps),
                    mean_hold_s=round(sum(holds) / len(holds), 3) if holds else None,
                    reps_with_faults=sum(bool(r.faults) for r in reps)),
        fault_rate=None)
    if per_side:
        for s in ("left", "right"):
            rs = [r for r in reps if r.side == s]
            setattr(sc.done, s, S.SideCount(reps=len(rs), holds_met=sum(hold_ok(r, target_hold, tol) for r in rs)))
        sc.done.sides_per_set = [{s: sum(r.side == s for r in st) for s in ("left", "right")} for st in sets]
    if pres:
        if per_side:
            sc.complete = all(c.reps >= pres for c in (sc.done.left, sc.done.right))
            done = sum(min(c.reps, pres) for c in (sc.done.left, sc.done.right))
            sc.completion = round(done / (2 * pres), 3)
        else:
            sc.complete = len(reps) >= pres
            sc.completion = round(min(len(reps), pres) / pres, 3)
    sc.fault_rate = round(sc.done.reps_with_faults / len(reps), 3) if reps else None
    return sc


def resolve(programme: Programme | None, exercise: str | None, calibration_path: str | os.PathLike | None = None):
    """``(exercise_name, params, baseline)`` for analysing one recording: the exercise is ``exercise`` (it must
    be in the programme) or the programme's first; params = calibration-derived thresholds, then the
    programme's (which win); baseline from the calibration profile (``calibration_path``, else the
    programme's ``calibration``)."""
    name = exercise
    params: dict | None = None
    if programme is not None:
        if name is None:
            name = programme.blocks[0].exercise
            if len(programme.blocks) > 1:
                log.info("programme %s: no --exercise given, scoring against its first exercise (%s)",
                         programme.title, name)
        block = programme.block(name)
        params = block.params()
    baseline = None
    cal_path = calibration_path or (programme.calibration if programme is not None else None)
    if cal_path and name:
        cal = load_calibration(cal_path)
        baseline = cal.baseline_for(name)
        derived = cal.params_for(name)
        if derived:  # the calibration's suggestions, overridden by whatever the programme sets
            params = {**derived, **(params or {})}
    return name, params, baseline
