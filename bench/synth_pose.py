"""MediaPipe pose on synthetic clips vs their ground truth.

Per clip: pose-found rate, mean 2D landmark error in torso lengths on the near side and the far side
(the side nearer the camera decided per frame from the truth depth), the fraction of frames where MediaPipe
swapped left and right (swapping its labels brings it closer to the truth), and the error after undoing
swaps. Torso length = mean of the two shoulder-hip distances in the truth's 2D projection.

    .venv/bin/python bench/synth_pose.py sample_videos/            # every *.truth.json there
    .venv/bin/python bench/synth_pose.py a.truth.json b.truth.json --json out.json
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from backform.pose.landmarks import side as lm_side  # noqa: E402
from backform.synth.truth import load_truth  # noqa: E402

PARTS = ("ear", "shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index")


def _idx(s):
    return [int(lm_side(p, s)) for p in PARTS]


def run_clip(truth_path: Path, model_path: str) -> dict:
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    doc = load_truth(truth_path)
    fd = doc["frames_data"]
    video = truth_path.parent / doc["clip"]
    W, H = doc["width"], doc["height"]
    fps = doc["fps"]
    opts = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(model_path)),
                                        running_mode=vision.RunningMode.VIDEO, num_poses=1)
    lmk = vision.PoseLandmarker.create_from_options(opts)
    cap = cv2.VideoCapture(str(video))
    preds = []
    i = 0
    t0 = time.perf_counter()
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            ts = int(round(i * 1000.0 / fps))
            res = lmk.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), ts)
            if res.pose_landmarks:
                preds.append(np.array([[p.x * W, p.y * H] for p in res.pose_landmarks[0]]))
            else:
                preds.append(None)
            i += 1
    finally:
        cap.release()
        lmk.close()
    dt = time.perf_counter() - t0
    n = min(len(preds), len(fd["joints2d"]))
    J2, D = fd["joints2d"][:n], fd["depth"][:n]
    L, R = _idx("left"), _idx("right")
    errs = {"near": [], "far": [], "near_unswapped": [], "far_unswapped": []}
    per_part = {"near": [], "far": []}
    swaps = 0
    found = 0
    for k in range(n):
        pr = preds[k]
        if pr is None:
            continue
        found += 1
        tr = J2[k]
        torso = np.mean([np.linalg.norm(tr[int(lm_side("shoulder", s))] - tr[int(lm_side("hip", s))])
                         for s in ("left", "right")])
        near_left = np.mean(D[k, L[1:7]]) <= np.mean(D[k, R[1:7]])
        e_l = np.linalg.norm(pr[L] - tr[L], axis=1) / torso
        e_r = np.linalg.norm(pr[R] - tr[R], axis=1) / torso
        s_l = np.linalg.norm(pr[R] - tr[L], axis=1) / torso  # MediaPipe's right placed on our left
        s_r = np.linalg.norm(pr[L] - tr[R], axis=1) / torso
        swapped = (s_l.mean() + s_r.mean()) < (e_l.mean() + e_r.mean())
        swaps += int(swapped)
        near, far = (e_l, e_r) if near_left else (e_r, e_l)
        errs["near"].append(near.mean())
        errs["far"].append(far.mean())
        if swapped:
            near, far = (s_l, s_r) if near_left else (s_r, s_l)
        per_part["near"].append(near)
        per_part["far"].append(far)
        errs["near_unswapped"].append(near.mean())
        errs["far_unswapped"].append(far.mean())
    m = lambda xs: float(np.mean(xs)) if xs else float("nan")  # noqa: E731
    return dict(clip=doc["clip"], exercise=doc["exercise"], variant=doc["variant"], view=doc["view"],
                frames=n, found=found, found_rate=found / max(n, 1), err_near=m(errs["near"]),
                err_far=m(errs["far"]), swap_rate=swaps / max(found, 1),
                err_near_unswapped=m(errs["near_unswapped"]), err_far_unswapped=m(errs["far_unswapped"]),
                mp_fps=n / dt if dt > 0 else float("nan"), render_s_per_frame=doc.get("render", {}).get("s_per_frame"),
                parts_near={p: float(v) for p, v in zip(PARTS, np.mean(per_part["near"], axis=0))} if found else {},
                parts_far={p: float(v) for p, v in zip(PARTS, np.mean(per_part["far"], axis=0))} if found else {})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", help="truth files or directories holding them")
    ap.add_argument("--model", default=None, help=".task file (default: backform.pose.model.ensure_model())")
    ap.add_argument("--json", default=None, help="also write the rows here")
    a = ap.parse_args(argv)
    files = []
    for p in map(Path, a.paths):
        files += sorted(p.glob("*.truth.json")) if p.is_dir() else [p]
    if a.model is None:
        from backform.pose.model import ensure_model

        a.model = str(ensure_model())
    rows = []
    hdr = f"{'clip':44s} {'view':13s} {'frames':>6s} {'found':>6s} {'near':>6s} {'far':>6s} {'swap':>5s} " \
          f"{'near*':>6s} {'far*':>6s}"
    print(hdr)
    for f in files:
        r = run_clip(f, a.model)
        rows.append(r)
        print(f"{r['clip'][:44]:44s} {r['view']:13s} {r['frames']:6d} {r['found_rate']:6.1%} {r['err_near']:6.3f} "
              f"{r['err_far']:6.3f} {r['swap_rate']:5.0%} {r['err_near_unswapped']:6.3f} {r['err_far_unswapped']:6.3f}",
              flush=True)
    side = [r for r in rows if r["view"] == "side"]
    if side:
        worst = min(side, key=lambda r: r["found_rate"])
        print(f"side views: {len(side)} clips, lowest pose-found rate {worst['found_rate']:.1%} ({worst['clip']}); "
              f"mean near error {np.nanmean([r['err_near'] for r in side]):.3f}, "
              f"far {np.nanmean([r['err_far'] for r in side]):.3f} torso lengths")
    if rows:
        print("per landmark, mean over clips (torso lengths), near / far side:")
        for ex in sorted({r["exercise"] for r in rows}):
            rr = [r for r in rows if r["exercise"] == ex and r["parts_near"]]
            cells = [f"{p} {np.mean([r['parts_near'][p] for r in rr]):.2f}/{np.mean([r['parts_far'][p] for r in rr]):.2f}"
                     for p in PARTS]
            print(f"  {ex:16s} " + "  ".join(cells))
    print("near/far: mean 2D error in torso lengths over ear, shoulder, elbow, wrist, hip, knee, ankle, heel, "
          "foot_index; * = after undoing left/right swaps; swap = frames where MediaPipe swapped sides")
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
