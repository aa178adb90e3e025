"""Render one clinic clip (``clinic.ClinicSpec``) to an H.264 video: body, motion, sway, camera sweep.

Needs the ``synth`` extra (torch, anny, pyrender, imageio-ffmpeg). The truth comes from ``clinic.truth``;
this module only draws. Body, clothes and room are drawn from the spec's seed.
"""
from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import numpy as np

from .clinic import ClinicSpec, state_at
from .lookalikes import LOOKALIKES
from .motion import REGISTRY, solve
from .render import _place, encode_frames, random_body
from .rig import rx, ry, rz

log = logging.getLogger(__name__)


def apply_sway(posture: dict, sway: dict) -> dict:
    """Breathing (thoracic flexion/extension), a head turn and a sideways trunk shift, composed onto the
    posture's own rotations (a bone given as a world rotation keeps its world direction up to this small
    local turn)."""
    out = dict(posture)
    for bone, R in (("spine02", rx(-sway.get("breath", 0.0))), ("neck02", rz(sway.get("head", 0.0))),
                    ("spine03", ry(sway.get("trunk", 0.0)))):
        if abs(R[0, 0] - 1.0) < 1e-12 and abs(R[1, 1] - 1.0) < 1e-12:
            continue
        if bone in out:
            kind, R0 = out[bone]
            out[bone] = (kind, R0 @ R)
        else:
            out[bone] = ("d", R)
    return out


def implementation(motion: str):
    return REGISTRY[motion] if motion in REGISTRY else LOOKALIKES[motion]


def world_left_y(spec: ClinicSpec, impl, ctx) -> float:
    if spec.motion in REGISTRY:
        return 1.0 if spec.motion == "bridge" else -1.0
    return impl.world_left_y(ctx)


def clinic_camera(spec: ClinicSpec, verts: np.ndarray, left_y: float, floor: bool):
    """The spec's camera: azimuth around the body, height, distance (x the closest framing), roll, shift."""
    from .scene import Camera

    c = spec.camera
    sub = verts[::3, ::7].reshape(-1, 3)
    lo, hi = sub.min(0), sub.max(0)
    center = 0.5 * (lo + hi)
    h = float(c["height_m"])
    side_sign = left_y if spec.near_side == "left" else -left_y
    a = math.radians(c["azimuth_deg"])
    d = np.array([-math.sin(a), math.cos(a) * side_sign, 0.0])
    target = center.copy()
    target[2] = min(center[2], max(h, 0.15)) if floor else center[2]
    hfov = 62.0
    W, H = spec.width, spec.height
    dist0 = 8.0
    for dist in np.arange(0.8, 8.0, 0.05):
        pos = target + d * dist
        pos[2] = h
        cam = Camera.look_at(W, H, hfov, pos, target)
        uv = cam.project(sub)
        if (uv[:, 2] > 0.1).all() and (uv[:, 0] > 0.04 * W).all() and (uv[:, 0] < 0.96 * W).all() and \
                (uv[:, 1] > 0.05 * H).all() and (uv[:, 1] < 0.95 * H).all():
            dist0 = float(dist)
            break
    pos = target + d * dist0 * float(c["distance_x"])
    pos[2] = h
    cam = Camera.look_at(W, H, hfov, pos, target)
    roll = math.radians(c.get("roll_deg", 0.0))
    if roll:
        cr, sr = math.cos(roll), math.sin(roll)
        cam.R_wc = np.array([[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]]) @ cam.R_wc
    sx, sy = c.get("shift", (0.0, 0.0))
    cam.cx += sx * W
    cam.cy += sy * H
    return cam, center


def wall_end(props: list, wall_x: float, center: np.ndarray, cam) -> list:
    """The wall-slide wall (and its skirting) cut so it ends 0.18 m past the body's midline on the camera's side
    (the near hand at its edge)."""
    side = 1.0 if cam.position[1] >= center[1] else -1.0
    edge = center[1] + 0.18 * side
    far = center[1] - 2.0 * side
    out = []
    for m in props:
        lo, hi = m.bounds
        if hi[1] - lo[1] > 3.9 and hi[0] - lo[0] < 0.1 and abs(0.5 * (lo[0] + hi[0]) - wall_x) < 0.1:
            v = m.vertices.copy()
            v[:, 1] = np.where(v[:, 1] * side > center[1] * side, edge, far)
            m = m.copy()
            m.vertices = v
        out.append(m)
    return out


def render_clinic(spec: ClinicSpec, video: Path, frames_limit: int | None = None) -> dict:
    """Render ``spec`` into ``video`` (.mp4). Returns timings and what was drawn (body, look, camera)."""
    from .body import Body
    from .scene import Renderer, random_look, room_props, vertex_colors

    video = Path(video)
    video.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([spec.seed, 7])
    impl = implementation(spec.motion)
    floor = spec.camera.get("standing") is not True
    bspec = random_body(rng)
    look = random_look(rng, floor)
    t0 = time.perf_counter()
    body = Body.create(bspec)
    ctx = impl.prepare(body.rig, spec, dict(front_depth=body.front_depth))
    ctx["solve"] = solve   # the postures' closure solutions in a quarter of the evaluations
    n = int(math.floor(spec.duration * spec.fps)) + 1
    if frames_limit:
        n = min(n, frames_limit)
    t = np.arange(n) / spec.fps
    poses = []
    Ds = np.zeros((n, len(body.rig.labels), 3, 3))
    for i, ti in enumerate(t):
        st = state_at(spec, float(ti) + spec.t0)
        ps = impl.posture(body.rig, st, ctx)
        ps.posture = apply_sway(ps.posture, st["sway"])
        _, Ds[i] = body.rig.resolve(ps.posture)
        poses.append(ps)
    verts, heads = body.pose_batch(Ds)
    _place(spec.motion, poses, verts, heads)
    t_pose = time.perf_counter() - t0
    cam, center = clinic_camera(spec, verts, world_left_y(spec, impl, ctx), floor)
    wall_x = poses[0].kin.get("wall_x")
    pillow = None
    if spec.motion == "prone_extension":
        J3 = body.landmarks(verts[:1], heads[:1])
        hip = 0.5 * (J3[0, 23] + J3[0, 24])
        pillow = (hip[0] - 0.08, hip[1], 0.55, 0.55, impl.PILLOW_TOP + 0.01)
    props = room_props(look, spec.motion, center, cam, wall_x, pillow)
    if spec.camera.get("wall_end") and wall_x is not None:
        props = wall_end(props, wall_x, center, cam)
    colors = vertex_colors(body.regions, look)
    t1 = time.perf_counter()
    encode_frames(Renderer(cam, body.faces, colors, look, props), verts[:n], video, spec, preset="medium")
    t_render = time.perf_counter() - t1
    log.info("%s: %d frames, pose %.1fs, render %.1fs", spec.name, n, t_pose, t_render)
    return dict(frames=n, pose_s=round(t_pose, 2), render_s=round(t_render, 2),
                s_per_frame=round(t_render / max(n, 1), 4), body=bspec.label, camera=cam.to_json(),
                look=dict(skin=look.skin, top=look.top, clutter=look.clutter))
