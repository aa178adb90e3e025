"""Render a whole programme (``programme.Programme``) into one video and one truth file.

One body, one room (the mat, and the wall for the wall slide ``programme.WALL_OFFSET_X`` metres beyond the
mat's head end), and the camera on the side of the room:

- ``camera="cut"`` (the default): **recorded camera cuts**. A floor camera (0.55-0.75 m high, fitted to the
  mat part's frames with the head below 1.2 m, so a standing person's head may leave the picture) films
  the mat part; from the start of the walk to the wall until the end of the walk back to the mat (or the
  end) a standing-height camera (1.0-1.2 m, fitted to those frames) takes over, as a person who moves the
  phone from the floor to a shelf would (``camera_cuts_s`` in the truth). Both look across the room from
  the same side.
- ``camera="one"``: one camera (about 1 m high) fitted to every frame, seeing mat and wall together; the
  lying body is then smaller in the picture.

Reuses ``render.py`` (body drawn from the seed, the video writer's settings), ``scene.py`` (camera, look,
room, renderer) and ``body.py`` (the mesh). The truth file (schema ``backform.truth/2``) holds the
programme's segments, ``other`` stretches (transitions and rests, by name), every rep with absolute times,
the cameras and the per-frame joints (as ``backform.truth/1``: mm and px*10 integers).
"""
from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .motion import REGISTRY
from .programme import SCHEMA, WALL_OFFSET_X, Block, Programme, deltas
from .render import random_body
from .truth import _ints, angles as truth_angles

log = logging.getLogger(__name__)


@dataclass
class ProgrammeSpec:
    blocks: list[Block]
    seed: int = 1
    fps: float = 15.0
    width: int = 640
    height: int = 360
    camera: str = "cut"  # cut | one
    near: str = "+y"  # the side of the room the camera stands on: +y or -y
    name: str | None = None
    crf: int = 28
    body: dict | None = None  # BodySpec fields; None: drawn from the seed

    def clip_name(self) -> str:
        return self.name or f"programme_{'-'.join(b.exercise for b in self.blocks)}_s{self.seed}"


@dataclass
class Shot:
    start_s: float
    cam: object = field(repr=False)
    role: str = ""


def fit_camera(width: int, height: int, pts: np.ndarray, side: float, h: float, yaw_deg: float,
               target_z: float | None = None, hfov: float = 62.0):
    """The nearest camera at height ``h`` on the ``side`` (+1/-1 along y) of the points, turned ``yaw_deg`` about
    the vertical, that sees every point inside the picture's margins (as ``render._camera`` does for a clip)."""
    from .scene import Camera

    lo, hi = pts.min(0), pts.max(0)
    center = 0.5 * (lo + hi)
    a = math.radians(yaw_deg)
    d = np.array([-math.sin(a), math.cos(a) * side, 0.0])
    target = center.copy()
    target[2] = center[2] if target_z is None else target_z
    cam = None
    for dist in np.arange(1.2, 12.0, 0.05):
        pos = target + d * dist
        pos[2] = h
        cam = Camera.look_at(width, height, hfov, pos, target)
        uv = cam.project(pts)
        if (uv[:, 2] > 0.1).all() and (uv[:, 0] > 0.04 * width).all() and (uv[:, 0] < 0.96 * width).all() \
                and (uv[:, 1] > 0.05 * height).all() and (uv[:, 1] < 0.95 * height).all():
            break
    return cam


STANDING_PIECES = ("walk to the wall", "walk to the mat", "wall_slide")


def shots(spec: ProgrammeSpec, prog: Programme, t: np.ndarray, verts: np.ndarray, J3: np.ndarray, rng) -> list[Shot]:
    """The cameras and when each one films: ``one``: one for all; ``cut``: the floor camera, and the standing
    camera from the start of a walk to the wall until the end of the walk back to the mat (or the end)."""
    side = 1.0 if spec.near == "+y" else -1.0
    sub = verts[:, ::9]
    yaw = float(rng.uniform(-4, 4))
    if spec.camera == "one":
        pts = sub[::3].reshape(-1, 3)
        return [Shot(0.0, fit_camera(spec.width, spec.height, pts, side, float(rng.uniform(0.95, 1.15)), yaw),
                     "room")]
    standing = np.zeros(len(t), bool)
    for i, ti in enumerate(t):
        pc = prog.piece_at(float(ti))
        k = prog.pieces.index(pc)
        prev = prog.pieces[k - 1].name if k else ""
        standing[i] = pc.name in STANDING_PIECES or (pc.kind == "rest" and prev == "wall_slide")
    # the floor camera: fitted to the floor frames with the head below 1.2 m (a standing person's head may
    # leave the top of the picture: the phone is on the floor by the mat)
    low = ~standing & (J3[:, 0, 2] < 1.2)
    if not low.any():
        low = ~standing
    h_floor, h_stand = float(rng.uniform(0.55, 0.75)), float(rng.uniform(1.0, 1.2))
    cams = {}
    if low.any():
        cams["floor"] = fit_camera(spec.width, spec.height, sub[low][::3].reshape(-1, 3), side, h_floor, yaw,
                                   target_z=0.4)
    if standing.any():
        cams["standing"] = fit_camera(spec.width, spec.height, sub[standing][::3].reshape(-1, 3), side, h_stand,
                                      yaw)
    out = []
    for i, ti in enumerate(t):
        role = "standing" if (standing[i] and "standing" in cams) or "floor" not in cams else "floor"
        if not out or out[-1].role != role:
            out.append(Shot(round(float(ti), 4), cams[role], role))
    return out


def pose_programme(spec: ProgrammeSpec, frames_limit: int | None = None):
    """The body, the programme, frame times, vertices (F,V,3), landmarks (F,33,3) and progress p, placed in
    the room (root x, y from the programme; every frame dropped onto the floor)."""
    from .body import Body, BodySpec

    rng = np.random.default_rng(spec.seed)
    bspec = BodySpec(**spec.body) if spec.body else random_body(rng)
    body = Body.create(bspec)
    prog = Programme(body.rig, spec.blocks, front_depth=body.front_depth)
    t, W, xy, p = prog.sample(spec.fps, frames_limit)
    Ds = np.stack([deltas(body.rig, w) for w in W])
    verts, heads = body.pose_batch(Ds)
    T = np.zeros((len(t), 3))
    T[:, :2] = xy
    verts += T[:, None]
    heads += T[:, None]
    low = verts[:, :, 2].min(1)
    verts[:, :, 2] -= low[:, None]
    heads[:, :, 2] -= low[:, None]
    J3 = body.landmarks(verts, heads)
    return rng, bspec, body, prog, t, verts, J3, p


def render_programme(spec: ProgrammeSpec, out_dir: Path, command: str | None = None,
                     frames_limit: int | None = None, only_frames: list[int] | None = None,
                     write_video: bool = True) -> dict:
    """Render ``spec`` into ``out_dir``: ``<name>.mp4`` and ``<name>.truth.json`` (or, with ``only_frames``,
    just those frames as ``<name>_<i>.png`` for a look; ``write_video=False``: the truth file alone, for a
    video already rendered from the same spec). Returns a summary dict."""
    from .scene import Renderer, random_look, room_props, vertex_colors

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rng, bspec, body, prog, t, verts, J3, p = pose_programme(spec, frames_limit)
    look = random_look(rng, True)
    n = len(t)
    t_pose = time.perf_counter() - t0
    cams = shots(spec, prog, t, verts, J3, rng)
    lying = [i for i, pc in enumerate(t) if prog.piece_at(float(pc)).kind == "exercise"
             and prog.piece_at(float(pc)).name != "wall_slide"]
    sub = verts[lying[::5]][:, ::9].reshape(-1, 3) if lying else verts[:, ::9].reshape(-1, 3)
    mat_center = 0.5 * (sub.min(0) + sub.max(0))
    mat_center[2] = 0.0
    wall_x = None
    if any(b.exercise == "wall_slide" for b in spec.blocks):
        wall_x = REGISTRY["wall_slide"].prepare(body.rig, None, {})["wall_x"] + WALL_OFFSET_X
    props = room_props(look, "programme", mat_center, cams[0].cam, wall_x, None)
    colors = vertex_colors(body.regions, look)
    name = spec.clip_name()
    video = out_dir / f"{name}.mp4"
    shot_of = np.searchsorted([s.start_s for s in cams], t + 1e-6, side="right") - 1
    J2 = np.stack([cams[int(shot_of[i])].cam.project(J3[i]) for i in range(n)])
    t1 = time.perf_counter()
    if only_frames is not None:
        import imageio.v3 as iio
        for k, s in enumerate(cams):
            idx = [i for i in only_frames if i < n and shot_of[i] == k]
            if not idx:
                continue
            rend = Renderer(s.cam, body.faces, colors, look, props)
            try:
                for i in idx:
                    iio.imwrite(out_dir / f"{name}_{i:05d}.png", rend.render(verts[i].astype(np.float32)))
            finally:
                rend.close()
        return dict(name=name, frames=n, pose_s=t_pose, render_s=time.perf_counter() - t1)
    import imageio_ffmpeg

    if write_video:
        writer = imageio_ffmpeg.write_frames(str(video), (spec.width, spec.height), fps=spec.fps,
                                             codec="libx264", pix_fmt_out="yuv420p", quality=None,
                                             macro_block_size=8,
                                             output_params=["-crf", str(spec.crf), "-preset", "slow"])
        writer.send(None)
        try:
            for k, s in enumerate(cams):
                rend = Renderer(s.cam, body.faces, colors, look, props)
                try:
                    for i in np.where(shot_of == k)[0]:
                        writer.send(rend.render(verts[i].astype(np.float32)))
                finally:
                    rend.close()
        finally:
            writer.close()
    t_render = time.perf_counter() - t1
    truth = prog.truth(t, p)
    truth.pop("duration_s")  # the frames' (below)
    meta = dict(schema=SCHEMA, clip=video.name, kind="programme", fps=spec.fps, width=spec.width,
                height=spec.height, frames=n, duration_s=round(n / spec.fps, 3), seed=spec.seed, command=command,
                blocks=[dict(exercise=b.exercise, reps=b.reps, faults=[f.code for f in b.faults],
                             start_side=b.start_side) for b in spec.blocks],
                camera_mode=spec.camera, near=spec.near,
                cameras=[dict(start_s=s.start_s, role=s.role, **s.cam.to_json()) for s in cams],
                camera_cuts_s=[s.start_s for s in cams[1:]],
                body=dict(asdict(bspec)), look={k: v for k, v in asdict(look).items() if k != "props"},
                **truth,
                render={"pose_s": round(t_pose, 2), "render_s": round(t_render, 2),
                        "s_per_frame": round(t_render / max(n, 1), 3)},
                generator="backform.synth.programme_render (anny body, pyrender)")
    ang = truth_angles(J3)
    meta["frames_data"] = {
        "t_s": [round(float(x), 4) for x in t],
        "shot": shot_of.astype(int).tolist(),
        "joints3d": _ints(J3, 1000.0),
        "joints2d": _ints(J2[..., :2], 10.0),
        "angles": {k: [round(float(x), 2) for x in v] for k, v in ang.items()},
        "kin": {"p": [None if not math.isfinite(x) else round(float(x), 3) for x in p]},
    }
    (out_dir / f"{name}.truth.json").write_text(json.dumps(meta, separators=(",", ":")))
    log.info("%s: %d frames, pose %.1fs, render %.1fs (%.3f s/frame)", name, n, t_pose, t_render,
             t_render / max(n, 1))
    return dict(name=name, video=str(video), truth=str(out_dir / f"{name}.truth.json"), frames=n,
                pose_s=t_pose, render_s=t_render, bytes=os.path.getsize(video))
