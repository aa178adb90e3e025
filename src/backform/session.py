"""The typed session: what ``session.json`` holds, defined once.

``analyze``, ``live``, the report's rebuild from a log and the programme scoring all build or read these
structs; :func:`dumps` / :func:`loads` are the only JSON writer and reader of ``session.json``, and
:func:`json_schema` is the published JSON Schema (``docs/session.schema.json``, checked by the tests).

Why msgspec: its ``Struct`` types are plain typed records (no behaviour, cheap to build per frame), decoding
validates types and reports the JSON path of a bad field in one line, and it derives a JSON Schema (2020-12)
from the same definitions, so the published schema cannot drift from the code. pydantic would do the same
with a much larger dependency; attrs + cattrs has no schema generator.

Fields that only some sessions have (the checker's summary, a programme, a live session's sets, the
segments of a whole-session recording) are ``UNSET`` when absent and then left out of the JSON.

Fields are never renamed (other tools read them, see DESIGN.md); new ones get defaults so that older
session.json files still load. Unknown fields are ignored when reading.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from .io.files import write_text_atomic

SESSION_SCHEMA = "backform.session/1"
SCHEMA_ID = "https://github.com/backform/backform/docs/session.schema.json"


class SourceInfo(msgspec.Struct, kw_only=True):
    """Where the frames came from (a video path, ``camera:N`` or a landmarks recording)."""

    path: str | None = None
    fps: float | None = None
    frames: int | None = None
    width: int | None = None
    height: int | None = None
    landmarks_of: str | UnsetType = UNSET  # a landmarks recording: the video it was made from
    fake_camera: bool | UnsetType = UNSET  # a recorded clip played as a camera (tests, demos)
    speed: float | UnsetType = UNSET


class ModelInfo(msgspec.Struct, kw_only=True):
    name: str | None = None
    sha256: str | None = None


class Tracking(msgspec.Struct, kw_only=True):
    """How much of the recording had a person in it."""

    frames: int = 0                       # frames analysed
    pose_frames: int = 0                  # ... with a pose
    pose_found_rate: float = 0.0
    analysis_fps: float | None = None
    stride: int | None = None
    model: ModelInfo | UnsetType = UNSET
    live: bool | UnsetType = UNSET


class Verdict(msgspec.Struct, kw_only=True):
    """One check's verdict on one rep: ``status`` "fault" / "ok" / "not_checked", the measured ``value``
    against the ``threshold`` (the check's own unit), ``confidence`` 0-1 (0 when not checked) and the
    ``reason`` a check was not judged."""

    code: str
    status: str
    value: float | None = None
    threshold: float | None = None
    confidence: float = 0.0
    reason: str | UnsetType = UNSET


class NotCounted(msgspec.Struct, kw_only=True):
    """A movement that rose like a rep but was not the exercise (a look-alike, a half rep at the start)."""

    start_s: float
    end_s: float
    reason: str


class Rep(msgspec.Struct, kw_only=True):
    """One counted rep. Times in seconds from the start of the source; ``side`` is bird dog's working arm."""

    n: int
    side: str | None = None
    start_s: float | None = None
    top_s: float | None = None
    lower_s: float | None = None
    end_s: float | None = None
    hold_s: float | None = None
    faults: list[str] = []
    not_checked: list[str] = []           # checks that could not be judged on this rep (view, occlusion)
    metrics: dict[str, float | None] = {}
    confidence: float | UnsetType = UNSET  # 0-1: how sure it is that this was a rep of the exercise
    verdicts: list[Verdict] | UnsetType = UNSET  # every check's verdict with its confidence


class FaultEvent(msgspec.Struct, kw_only=True):
    code: str
    rep: int | None = None
    t_s: float
    message: str
    value: float | None = None            # the measured figure behind it, in the check's own unit
    confidence: float | UnsetType = UNSET  # 0-1: live speaks, and the report shows in full, confident faults


class Targets(msgspec.Struct, kw_only=True):
    reps: int | None = None
    hold_s: float | None = None
    reps_per_side: list[int] | UnsetType = UNSET


class SideCount(msgspec.Struct, kw_only=True):
    reps: int = 0
    holds_met: int = 0


class Prescribed(msgspec.Struct, kw_only=True):
    sets: int = 1
    reps_per_set: int | None = None
    per_side: bool = False
    reps: int | None = None
    hold_s: float = 0.0
    hold_tolerance_s: float = 0.15
    rest_s: float = 60.0


class Done(msgspec.Struct, kw_only=True):
    reps: int = 0
    sets: int = 0
    reps_per_set: list[int] = []
    holds_met: int = 0
    mean_hold_s: float | None = None
    reps_with_faults: int = 0
    left: SideCount | UnsetType = UNSET
    right: SideCount | UnsetType = UNSET
    sides_per_set: list[dict[str, int]] | UnsetType = UNSET
    sets_complete: int | UnsetType = UNSET  # live: sets whose target was met


class Score(msgspec.Struct, kw_only=True):
    """A session (or one exercise of it) against its prescription: see ``programme.score``."""

    exercise: str | None = None
    prescribed: Prescribed = msgspec.field(default_factory=Prescribed)
    done: Done = msgspec.field(default_factory=Done)
    complete: bool | UnsetType = UNSET
    completion: float | UnsetType = UNSET
    fault_rate: float | None = None


class ProgrammeBlockInfo(msgspec.Struct, kw_only=True):
    index: int | None = None
    exercise: str
    label: str | None = None
    sets: int = 1
    reps: int | None = None
    hold_s: float | None = None
    rest_s: float | None = None
    per_side: bool = False
    thresholds: dict[str, Any] = {}
    notes: str | None = None


class ProgrammeExercise(msgspec.Struct, kw_only=True):
    block: ProgrammeBlockInfo
    score: Score


class ProgrammeStep(msgspec.Struct, kw_only=True):
    kind: str
    exercise: str | None = None
    block: int | None = None
    set: int | None = None
    sets: int | None = None


class ProgrammeInfo(msgspec.Struct, kw_only=True):
    """The programme the session was scored against (``analyze --program``, ``live --program``)."""

    name: str | None = None
    patient: str | None = None
    path: str | None = None
    block: ProgrammeBlockInfo | UnsetType = UNSET  # analyze: the block of this session's exercise
    score: Score | UnsetType = UNSET  # analyze: this session against it
    sets_prescribed: int | UnsetType = UNSET  # live: the whole programme
    sets_done: int | UnsetType = UNSET
    step: ProgrammeStep | UnsetType = UNSET
    complete: bool | UnsetType = UNSET
    exercises: list[ProgrammeExercise] | UnsetType = UNSET


class LiveSet(msgspec.Struct, kw_only=True):
    set: int
    exercise: str
    start_s: float
    end_s: float | None = None
    rep_count: int = 0
    reps: list[Rep] = []
    faults: list[FaultEvent] = []
    block: int | None = None
    block_set: int | None = None
    block_sets: int | None = None
    reps_prescribed: int | None = None
    per_side: bool | None = None
    complete: bool | None = None


class Announcement(msgspec.Struct, kw_only=True):
    t_s: float
    text: str
    kind: str
    set: int | None = None
    exercise: str | None = None
    muted: bool | None = None


class LiveInfo(msgspec.Struct, kw_only=True):
    started_utc: str | None = None
    final: bool = False
    end: str | None = None
    sets: list[LiveSet] = []
    announcements: list[Announcement] = []
    voice: str | None = None
    muted: bool | None = None
    setup_ok_s: float | None = None
    stats: dict[str, Any] = {}


class RepSet(msgspec.Struct, kw_only=True):
    """Bird dog: a set of reps (split where the pause between reps exceeds the set gap)."""

    n: int
    start_s: float
    end_s: float
    reps: int = 0
    left: int = 0
    right: int = 0


class Segment(msgspec.Struct, kw_only=True):
    """One exercise of a recording that holds several (``analyze`` without ``--exercise``)."""

    exercise: str
    start_s: float
    end_s: float
    rep_count: int = 0
    reps: list[Rep] = []
    faults: list[FaultEvent] = []
    confidence: float | None = None
    sets: list[RepSet] | UnsetType = UNSET  # the sets within it, split where a pause exceeds the set gap


class Interval(msgspec.Struct, kw_only=True):
    """A stretch of a whole-session recording that was not an exercise (``analyze`` without ``--exercise``):
    no person, changing position, or a posture held without any of the exercises' reps."""

    start_s: float
    end_s: float
    posture: str | None = None            # the posture most of it was in (None: no person, or changing)
    reason: str = ""


class Session(msgspec.Struct, kw_only=True):
    """``session.json``."""

    schema: str = SESSION_SCHEMA
    exercise: str | None = None
    source: SourceInfo = msgspec.field(default_factory=SourceInfo)
    tracking: Tracking = msgspec.field(default_factory=Tracking)
    rep_count: int = 0
    reps: list[Rep] = []
    faults: list[FaultEvent] = []
    # what the checker knew and could judge (absent when no exercise was checked)
    targets: Targets | UnsetType = UNSET
    view: str | None | UnsetType = UNSET            # the camera view most frames were seen from
    views_seen: dict[str, float] | UnsetType = UNSET
    supported_views: list[str] | UnsetType = UNSET
    view_supported: bool | None | UnsetType = UNSET
    start_position_reached: bool | UnsetType = UNSET
    checks: list[str] | UnsetType = UNSET
    not_checked: dict[str, list[int]] | UnsetType = UNSET  # check -> reps it could not be judged on
    not_checked_reasons: dict[str, str] | UnsetType = UNSET
    cues: dict[str, str] | UnsetType = UNSET  # fault code -> the cue spoken and shown
    params: dict[str, Any] | UnsetType = UNSET  # the thresholds used
    baseline: dict[str, float] | UnsetType = UNSET  # personal baseline figures (calibration or earlier reps)
    side_counts: dict[str, int] | UnsetType = UNSET  # bird dog: reps per working arm
    sets: list[RepSet] | UnsetType = UNSET  # bird dog: the sets, split by pauses
    not_counted: list[NotCounted] | UnsetType = UNSET  # movements that were not reps of the exercise
    privacy: str | UnsetType = UNSET  # the report's video privacy mode
    programme: ProgrammeInfo | UnsetType = UNSET
    live: LiveInfo | UnsetType = UNSET
    segments: list[Segment] | UnsetType = UNSET
    other: list[Interval] | UnsetType = UNSET  # what was not an exercise (analyze without --exercise)
    partial: bool | UnsetType = UNSET  # rebuilt from the log of a session that did not finish


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Session)


def to_builtins(obj) -> Any:
    """A struct (or anything holding structs) as plain dicts and lists."""
    return msgspec.to_builtins(obj)


def convert(data: Any, type_: type = Session):
    """Plain data (e.g. a dict read from JSON) as ``type_``; a bad field is a ``msgspec.ValidationError``
    naming its path."""
    return msgspec.convert(data, type_)


def dumps(session: Session) -> str:
    """``session.json`` text: indented one space per level, as before the typed model."""
    return msgspec.json.format(_encoder.encode(session), indent=1).decode() + "\n"


def loads(text: str | bytes) -> Session:
    return _decoder.decode(text)


def load(path: str | os.PathLike) -> Session:
    return loads(Path(path).read_bytes())


def write(path: str | os.PathLike, session: Session) -> Path:
    """Write ``session.json`` atomically (readers see the old file or the whole new one)."""
    return write_text_atomic(path, dumps(session))


# what every session.json carries (the contract in DESIGN.md), whatever defaults the structs have
REQUIRED = {"Session": ["schema", "exercise", "source", "tracking", "rep_count", "reps", "faults"],
            "Rep": ["n", "side", "start_s", "top_s", "end_s", "hold_s", "faults", "metrics"],
            "FaultEvent": ["code", "rep", "t_s", "message"],
            "Tracking": ["frames", "pose_frames"],
            "Segment": ["exercise", "start_s", "end_s", "rep_count", "reps", "faults"]}


def json_schema() -> dict:
    """The JSON Schema of ``session.json`` (published as ``docs/session.schema.json``)."""
    schema = msgspec.json.schema(Session)
    for name, fields in REQUIRED.items():
        schema["$defs"][name]["required"] = sorted(set(schema["$defs"][name].get("required", [])) | set(fields))
    schema["$defs"]["Session"]["properties"]["schema"]["const"] = SESSION_SCHEMA
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
              "title": "backform session.json",
              "description": "What `backform analyze` and `backform live` write: see README 'File formats'.",
              **schema}
    return schema
