"""Why the pose model finds nobody on some clinic clips, and whether a pose-stage fallback recovers them.

Re-renders chosen clinic seeds (the clip of ``sample(seed)``, its first ``--frames`` frames) into ``--out``
(default /tmp/poseloss) with the projected truth landmarks of every frame (``<clip>.mp4.truth.npy``: (F, 33, 3)
pixel x, y, depth), then:

* ``probe``: IMAGE-mode detections on every ``--step``-th analysed frame under variants of the input (the
  detector's threshold lowered, the frame zoomed/cropped, padded) -> pose-found share and landmark error;
* ``compare`` (default): the product's pose stage (``PoseEstimator`` through ``Pipeline``, as bench/clinic.py
  records it) with the default configuration and with the fallback on -> pose-found share, landmark error in
  torso lengths against the truth, and whether the frames the default finds keep byte-identical landmarks.

Rendering is slow (~20 CPU-s a clip): render few clips, at low priority::

    PYOPENGL_PLATFORM=osmesa nice -n 10 .venv/bin/python bench/pose_loss.py render 5399 5044
    nice -n 10 .venv/bin/python bench/pose_loss.py compare 5399 5044
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

BODY = list(range(11, 33))   # shoulders .. feet: the joints compared with the truth


def clip_path(out: Path, seed: int) -> Path:
    from backform.synth.clinic import sample
    return out / f"c{seed}_{sample(seed).motion}.mp4"


def render(seed: int, out: Path, frames: int) -> Path:
    """Render the seed's clip (first ``frames`` frames) with its projected truth landmarks (renderer hooks)."""
    from backform.synth import body as bodymod
    from backform.synth import clinic_render as cr
    from backform.synth.clinic import sample

    video = clip_path(out, seed)
    if video.exists():
        return video
    cap: dict = {}
    create, place, camera = bodymod.Body.create.__func__, cr._place, cr.clinic_camera

    def _create(cls, spec):
        cap["body"] = create(cls, spec)
        return cap["body"]

    def _place(motion, poses, verts, heads):
        cap["verts"], cap["heads"] = verts, heads
        return place(motion, poses, verts, heads)

    def _camera(*a, **k):
        r = camera(*a, **k)
        cap["cam"] = r[0]
        return r

    bodymod.Body.create, cr._place, cr.clinic_camera = classmethod(_create), _place, _camera
    try:
        spec = sample(seed)
        tmp = video.with_suffix(".part.mp4")
        info = cr.render_clinic(spec, tmp, frames_limit=frames)
        n = info["frames"]
        J = cap["body"].landmarks(cap["verts"][:n], cap["heads"][:n])
        np.save(str(video) + ".truth.npy", cap["cam"].project(J).astype(np.float32))
        Path(str(video) + ".json").write_text(json.dumps(dict(info, fps=spec.fps)))
        tmp.rename(video)
    finally:
        bodymod.Body.create, cr._place, cr.clinic_camera = classmethod(create), place, camera
    return video


def truth_of(video: Path) -> np.ndarray | None:
    p = Path(str(video) + ".truth.npy")
    return np.load(p) if p.exists() else None


def landmark_error(rows: np.ndarray, truth: np.ndarray, w: int, h: int) -> float:
    """Mean distance of the body joints (normalised rows vs truth pixels) in torso lengths; left/right swap
    allowed (the smaller)."""
    p = rows[:, :2].astype(np.float64) * (w, h)
    t = truth[:, :2].astype(np.float64)
    torso = np.linalg.norm(0.5 * (t[11] + t[12]) - 0.5 * (t[23] + t[24]))
    idx = np.array(BODY)
    sw = np.array([i + 1 if i % 2 else i - 1 for i in BODY])   # odd = left, even = right in BlazePose 11..32
    d1 = np.linalg.norm(p[idx] - t[idx], axis=1).mean()
    d2 = np.linalg.norm(p[sw] - t[idx], axis=1).mean()
    return float(min(d1, d2) / max(torso, 1e-6))


def frames_of(video: Path):
    from backform.io.sources import VideoFileSource
    from backform.pipeline import DEFAULT_MAX_FPS
    return VideoFileSource(video, max_fps=DEFAULT_MAX_FPS)


def truth_index(video: Path, t_s: float) -> int:
    fps = json.loads(Path(str(video) + ".json").read_text())["fps"]
    return int(round(t_s * fps))


# -- probe: IMAGE-mode variants ------------------------------------------------------------------------------

def _image_landmarker(det: float):
    from mediapipe.tasks.python import BaseOptions, vision
    from backform.pose.model import ensure_model
    opts = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(ensure_model(None))),
        running_mode=vision.RunningMode.IMAGE, num_poses=1, min_pose_detection_confidence=det,
        min_pose_presence_confidence=0.3, min_tracking_confidence=0.5)
    return vision.PoseLandmarker.create_from_options(opts)


def _detect(lm, rgb: np.ndarray, box=None, pad: float = 0.0):
    """Landmarks (33, 5) in full-frame normalised coordinates, or None. ``box``: (x0, y0, x1, y1) fractions to
    crop (zoom); ``pad``: border added on each side (fraction of the side)."""
    import cv2
    import mediapipe as mp
    from backform.pose.estimator import _landmark_rows
    h, w = rgb.shape[:2]
    x0 = y0 = 0
    img = rgb
    if box is not None:
        x0, y0, x1, y1 = int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)
        img = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    px = py = 0
    if pad:
        px, py = int(pad * img.shape[1]), int(pad * img.shape[0])
        img = cv2.copyMakeBorder(img, py, py, px, px, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    res = lm.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(img)))
    if not res.pose_landmarks:
        return None
    rows = _landmark_rows(res.pose_landmarks[0])
    ih, iw = img.shape[:2]
    rows[:, 0] = (rows[:, 0] * iw - px + x0) / w
    rows[:, 1] = (rows[:, 1] * ih - py + y0) / h
    return rows


VARIANTS = {
    "default": dict(det=0.5),
    "det0.2": dict(det=0.2),
    "pad25": dict(det=0.5, pad=0.25),
    "c80": dict(det=0.5, box=(0.1, 0.1, 0.9, 0.9)),
    "c70": dict(det=0.5, box=(0.15, 0.15, 0.85, 0.85)),
    "c60": dict(det=0.5, box=(0.2, 0.2, 0.8, 0.8)),
    "c50": dict(det=0.5, box=(0.25, 0.25, 0.75, 0.75)),
    "tiles70": dict(det=0.5, tiles=[(x, y, x + 0.7, y + 0.7) for y in (0.0, 0.3) for x in (0.0, 0.3)]),
    "roi1.5": dict(det=0.5, roi=1.5),
    "roi2.0": dict(det=0.5, roi=2.0),
}


def truth_box(t: np.ndarray, w: int, h: int, k: float) -> tuple:
    """A square around the truth body (pixels), ``k`` times its longer side, as frame fractions."""
    p = t[:, :2]
    lo, hi = p.min(0), p.max(0)
    c, s = 0.5 * (lo + hi), k * float((hi - lo).max())
    return (max(0.0, (c[0] - s / 2) / w), max(0.0, (c[1] - s / 2) / h),
            min(1.0, (c[0] + s / 2) / w), min(1.0, (c[1] + s / 2) / h))


def probe(video: Path, step: int) -> dict:
    truth = truth_of(video)
    lms = {d: _image_landmarker(d) for d in sorted({v["det"] for v in VARIANTS.values()})}
    found = {k: 0 for k in VARIANTS}
    err = {k: [] for k in VARIANTS}
    n = 0
    src = frames_of(video)
    for i, fr in enumerate(src):
        if i % step:
            continue
        n += 1
        rgb = fr.rgb
        h, w = rgb.shape[:2]
        ti = truth_index(video, fr.t_s)
        tt = truth[ti] * (w / src.width) if truth is not None and ti < len(truth) else None
        for k, v in VARIANTS.items():
            if "roi" in v:
                if tt is None:
                    continue
                rows = _detect(lms[v["det"]], rgb, truth_box(tt, w, h, v["roi"]))
            elif "tiles" in v:
                rows = None
                for box in v["tiles"]:
                    rows = _detect(lms[v["det"]], rgb, box)
                    if rows is not None:
                        break
            else:
                rows = _detect(lms[v["det"]], rgb, v.get("box"), v.get("pad", 0.0))
            if rows is None:
                continue
            found[k] += 1
            if tt is not None:
                err[k].append(landmark_error(rows, tt, w, h))
    for lm in lms.values():
        lm.close()
    return {k: (found[k] / max(n, 1), float(np.median(err[k])) if err[k] else float("nan")) for k in VARIANTS}


# -- compare: the product's pose stage, default vs fallback ----------------------------------------------------

def pose_stage(video: Path, config) -> list:
    """(t_s, rows or None) per analysed frame, through the product's pipeline (as bench/clinic.py records)."""
    from backform.pipeline import Pipeline
    from backform.pose.estimator import PoseEstimator
    out = []
    with PoseEstimator(config=config) as pose:
        for pf, _res, _img in Pipeline(pose).run(frames_of(video)):
            out.append((pf.t_s, pf.landmarks, pf.width, pf.height))
    return out


def compare(video: Path, overrides: dict) -> str:
    from dataclasses import replace
    from backform.pose.estimator import PoseConfig
    truth = truth_of(video)
    a = pose_stage(video, replace(PoseConfig(), zoom_fallback=False))
    b = pose_stage(video, replace(PoseConfig(), **overrides))
    same = changed = added = lost = 0
    err_a, err_b = [], []
    for (t, ra, w, h), (_, rb, _, _) in zip(a, b):
        if ra is not None:
            if rb is not None and np.array_equal(ra, rb):
                same += 1
            elif rb is None:
                lost += 1
            else:
                changed += 1
        elif rb is not None:
            added += 1
        ti = truth_index(video, t)
        if truth is not None and ti < len(truth):
            if ra is not None:
                err_a.append(landmark_error(ra, truth[ti], w, h))
            if rb is not None:
                err_b.append(landmark_error(rb, truth[ti], w, h))
    n = len(a)
    fa, fb = sum(r is not None for _, r, *_ in a), sum(r is not None for _, r, *_ in b)

    def med(e):   # median, max, and the share of frames more than 0.3 torso lengths off (wrong)
        return f"{np.median(e):.2f}/{np.max(e):.2f}/{np.mean(np.array(e) > 0.3):.0%}" if e else "-"
    return (f"{video.stem:28s} frames {n:3d}  found {fa / n:4.0%} -> {fb / n:4.0%}  error (torso lengths: median/max/>0.3) "
            f"{med(err_a)} -> {med(err_b)}  default's frames: {same} identical, {changed} changed, {lost} lost; "
            f"{added} added")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("render", "probe", "compare"))
    ap.add_argument("seeds", type=int, nargs="+")
    ap.add_argument("--out", type=Path, default=Path("/tmp/poseloss"))
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--step", type=int, default=3)
    ap.add_argument("--set", default="{}", help="PoseConfig overrides (JSON) of the fallback run in compare "
                    "(the default run: zoom_fallback off)")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    for seed in a.seeds:
        if a.mode == "render":
            print(seed, render(seed, a.out, a.frames), flush=True)
            continue
        video = clip_path(a.out, seed)
        if not video.exists():
            print(f"{video.name}: not rendered", flush=True)
            continue
        if a.mode == "probe":
            r = probe(video, a.step)
            print(f"{video.stem:28s} " + "  ".join(f"{k} {f:4.0%} e{e:.2f}" for k, (f, e) in r.items()), flush=True)
        else:
            print(compare(video, json.loads(a.set)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
