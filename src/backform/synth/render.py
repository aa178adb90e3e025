"""Render one clip: motion plan -> postures -> posed mesh -> camera -> frames -> video + truth file."""
from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .motion import FAULTS, REGISTRY, FaultSpec, plan_motion, state_at
from .truth import angles as truth_angles, rep_times, write_truth

log = logging.getLogger(__name__)

FLOOR_EXERCISES = ("bridge", "bird_dog", "prone_extension", "prone_arm_lift")


@dataclass
class ClipSpec:
    exercise: str
    faults: list[FaultSpec] = field(default_factory=list)
    reps: int = 2
    fps: float = 15.0
    width: int = 480
    height: int = 360
    view: str = "side"  # side | diagonal | front | back_diagonal
    near_side: str = "left"  # the subject's side facing the camera
    cam_height: float | None = None  # metres; None: exercise default (+ seed jitter)
    seed: int = 1
    body: dict | None = None  # BodySpec fields; None: drawn from the seed
    start_side: str = "left"  # bird dog: first working arm
    name: str | None = None
    crf: int = 28

    def variant(self) -> str:
        if not self.faults:
            return "clean"
        return "+".join(f.code for f in self.faults)

    def clip_name(self) -> str:
        return self.name or f"{self.exercise}_{self.variant()}_s{self.seed}"


def random_body(rng: np.random.Generator):
    from .body import BodySpec

    woman = rng.random() < 0.85
    age = float(rng.uniform(0.72, 0.90))  # about 54-77 years
    b = BodySpec(gender=float(rng.uniform(0.0, 0.12)) if woman else float(rng.uniform(0.85, 1.0)), age=age,
                 muscle=float(rng.uniform(0.3, 0.5)), weight=float(rng.uniform(0.45, 0.8)),
                 height=float(rng.uniform(0.3, 0.6)), proportions=0.5)
    b.label = f"{'woman' if woman else 'man'}, about {BodySpec.years(age):.0f}"
    return b


def _place(spec_ex: str, poses, verts: np.ndarray, heads: np.ndarray):
    """Add each pose's root translation; drop to the floor where asked. In-place on verts/heads."""
    for i, ps in enumerate(poses):
        T = np.asarray(ps.translation, float).copy()
        v = verts[i] + T
        if ps.floor == "min":
            T[2] -= v[:, 2].min()
        else:
            low = v[:, 2].min()
            if low < 0:  # never through the floor
                T[2] -= low
        verts[i] += T
        heads[i] += T


def _camera(spec: ClipSpec, rng, verts: np.ndarray, world_left_y: float):
    from .scene import Camera

    sub = verts[::3, ::7].reshape(-1, 3)
    lo, hi = sub.min(0), sub.max(0)
    center = 0.5 * (lo + hi)
    floor_ex = spec.exercise in FLOOR_EXERCISES
    h = spec.cam_height if spec.cam_height is not None else (
        float(rng.uniform(0.25, 0.45)) if floor_ex else float(rng.uniform(0.95, 1.2)))
    # direction from the body to the camera, in the floor plane: the near side's world direction
    side_sign = world_left_y if spec.near_side == "left" else -world_left_y
    yaw = {"side": 0.0, "diagonal": 35.0, "front": 80.0, "back_diagonal": -35.0}[spec.view]
    if spec.exercise == "wall_slide" and yaw > 0:
        yaw = -yaw  # the face is at the wall: diagonal views come from behind
    yaw += float(rng.uniform(-4, 4))
    # +yaw turns toward the head end (world -X) for floor bodies; toward the face (-X) standing
    a = math.radians(yaw)
    d = np.array([-math.sin(a), math.cos(a) * side_sign, 0.0])
    target = center.copy()
    target[2] = min(center[2], h) if floor_ex else center[2]
    hfov = 62.0
    cam = None
    for dist in np.arange(1.2, 8.0, 0.05):
        pos = target + d * dist
        pos[2] = h
        cam = Camera.look_at(spec.width, spec.height, hfov, pos, target)
        uv = cam.project(sub)
        if (uv[:, 2] > 0.1).all() and (uv[:, 0] > 0.04 * spec.width).all() and \
                (uv[:, 0] < 0.96 * spec.width).all() and (uv[:, 1] > 0.05 * spec.height).all() and \
                (uv[:, 1] < 0.95 * spec.height).all():
            break
    return cam, center


def render_clip(spec: ClipSpec, out_dir: Path, command: str | None = None, frames_limit: int | None = None) -> dict:
    """Render ``spec`` into ``out_dir``: ``<name>.mp4`` and ``<name>.truth.json``. Returns a summary dict."""
    from .body import Body, BodySpec
    from .scene import Renderer, random_look, room_props, vertex_colors

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(spec.seed)
    bspec = BodySpec(**spec.body) if spec.body else random_body(rng)
    look = random_look(rng, spec.exercise in FLOOR_EXERCISES)
    t0 = time.perf_counter()
    body = Body.create(bspec)
    ex = REGISTRY[spec.exercise]
    motion = plan_motion(spec.exercise, spec.reps, spec.faults, start_side=spec.start_side)
    n = int(math.floor(motion.duration * spec.fps)) + 1
    if frames_limit:
        n = min(n, frames_limit)
    t = np.arange(n) / spec.fps
    ctx = ex.prepare(body.rig, motion, dict(front_depth=body.front_depth))
    poses = []
    Ds = np.zeros((n, len(body.rig.labels), 3, 3))
    states = []
    for i, ti in enumerate(t):
        st = state_at(motion, float(ti))
        ps = ex.posture(body.rig, st, ctx)
        _, D = body.rig.resolve(ps.posture)
        Ds[i] = D
        poses.append(ps)
        states.append(st)
    verts, heads = body.pose_batch(Ds)
    _place(spec.exercise, poses, verts, heads)
    J3 = body.landmarks(verts, heads)
    t_pose = time.perf_counter() - t0
    # world: which way is the subject's left?  (supine: +Y; prone, hands-knees, standing: -Y)
    left_y = 1.0 if spec.exercise == "bridge" else -1.0
    cam, center = _camera(spec, rng, verts, left_y)
    J2 = cam.project(J3)
    wall_x = poses[0].kin.get("wall_x")
    pillow = None
    if spec.exercise == "prone_extension":
        hip = 0.5 * (J3[0, 23] + J3[0, 24])
        pillow = (hip[0] - 0.08, hip[1], 0.55, 0.55, ex.PILLOW_TOP + 0.01)
    props = room_props(look, spec.exercise, center, cam, wall_x, pillow)
    colors = vertex_colors(body.regions, look)
    name = spec.clip_name()
    video = out_dir / f"{name}.mp4"
    t1 = time.perf_counter()
    encode_frames(Renderer(cam, body.faces, colors, look, props), verts[:n], video, spec, preset="slow")
    t_render = time.perf_counter() - t1
    # truth
    ang = truth_angles(J3)
    kin_keys = sorted({k for ps in poses for k in ps.kin if k != "wall_x"})
    kin = {k: np.array([ps.kin.get(k, np.nan) for ps in poses], float) for k in kin_keys}
    p = kin["p"]
    windows = [(r.t_up - 0.5, r.t_end + 0.5) for r in motion.reps]
    times = rep_times(t, p, windows)
    reps = []
    fault_rows = []
    for r, tm in zip(motion.reps, times):
        codes = [c for c in r.faults]
        reps.append(dict(n=r.n, side=r.side, **tm, faults=codes, either=[], confidence="exact",
                         phases=dict(up_start_s=round(r.t_up, 3), up_end_s=round(r.t_top, 3),
                                     down_start_s=round(r.t_down, 3), down_end_s=round(r.t_end, 3)),
                         magnitudes={c: r.faults[c] for c in codes}))
        for c in codes:
            mag, unit, meaning = FAULTS[spec.exercise][c]
            fault_rows.append(dict(code=c, rep=r.n, magnitude=r.faults[c], unit=unit, meaning=meaning))
    meta = dict(
        clip=video.name, exercise=spec.exercise, variant=spec.variant(), fps=spec.fps, width=spec.width,
        height=spec.height, frames=n, duration_s=round(n / spec.fps, 3), view=spec.view, near_side=spec.near_side,
        camera=cam.to_json(), seed=spec.seed, command=command,
        body=dict(asdict(bspec)), look={k: v for k, v in asdict(look).items() if k != "props"},
        camera_cuts_s=[], rep_count=len(reps), rep_count_ok=[len(reps), len(reps)], reps=reps, faults=fault_rows,
        render={"pose_s": round(t_pose, 2), "render_s": round(t_render, 2),
                "s_per_frame": round(t_render / max(n, 1), 3)},
        generator="backform.synth (anny body, pyrender)",
    )
    write_truth(out_dir / f"{name}.truth.json", meta, t, J3, J2, ang, kin)
    log.info("%s: %d frames, pose %.1fs, render %.1fs (%.3f s/frame)", name, n, t_pose, t_render, t_render / max(n, 1))
    return dict(name=name, video=str(video), frames=n, pose_s=t_pose, render_s=t_render,
                bytes=os.path.getsize(video))


def encode_frames(rend, verts, video: Path, spec, preset: str = "slow") -> None:
    """Render each frame's vertices with ``rend`` and encode them to ``video`` (H.264, the spec's size, rate
    and crf); closes the renderer."""
    import imageio_ffmpeg  # the synth extra

    writer = imageio_ffmpeg.write_frames(str(video), (spec.width, spec.height), fps=spec.fps, codec="libx264",
                                         pix_fmt_out="yuv420p", quality=None, macro_block_size=8,
                                         output_params=["-crf", str(spec.crf), "-preset", preset])
    writer.send(None)
    try:
        for v in verts:
            writer.send(rend.render(v.astype(np.float32)))
    finally:
        writer.close()
        rend.close()
