"""`backform analyze VIDEO` without --exercise on a short recording joined from two sample clips with ffmpeg
(re-encoded to another size and rate): the pose model once, the two exercises found in order, each with the
reps the checker counts when told the exercise."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from backform.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
PARTS = ["bridge_short_hold_s104.mp4", "wall_slide_no_pause_s129.mp4"]


def _ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True)


@pytest.fixture(scope="module")
def joined(tmp_path_factory) -> tuple[Path, list[float]]:
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not installed")
    if not all((SAMPLES / p).is_file() for p in PARTS):
        pytest.skip("sample videos absent")
    d = tmp_path_factory.mktemp("joined")
    parts = []
    for k, p in enumerate(PARTS):
        out = d / f"part{k}.mp4"
        _ffmpeg("-i", SAMPLES / p, "-an", "-vf", "scale=640:360:force_original_aspect_ratio=decrease,"
                "pad=640:360:(ow-iw)/2:(oh-ih)/2,fps=20,setsar=1", "-c:v", "libx264", "-preset", "veryfast",
                "-pix_fmt", "yuv420p", out)
        parts.append(out)
    (d / "list.txt").write_text("".join(f"file '{p}'\n" for p in parts))
    video = d / "session.mp4"
    _ffmpeg("-f", "concat", "-safe", "0", "-i", d / "list.txt", "-c", "copy", video)
    bounds = [json.loads((SAMPLES / p.replace(".mp4", ".truth.json")).read_text())["duration_s"] for p in PARTS]
    return video, bounds


@pytest.mark.slow
def test_analyze_joined_sample_clips(joined, tmp_path, capsys):
    video, durations = joined
    assert cli_main(["analyze", str(video), "--out", str(tmp_path / "out"), "--no-video"]) == 0
    d = json.loads((tmp_path / "out" / "session.json").read_text())
    segs = d["segments"]
    assert [s["exercise"] for s in segs] == ["bridge", "wall_slide"], segs
    cut = durations[0]
    assert abs(segs[0]["end_s"] - cut) < 2.0 and abs(segs[1]["start_s"] - cut) < 2.0, segs
    assert [s["rep_count"] for s in segs] == [2, 2]
    assert d["exercise"] is None and d["tracking"]["frames"] > 0
    out = capsys.readouterr().out
    assert "bridge: 2 reps" in out and "wall_slide: 2 reps" in out
    # the log holds every frame once (one pose pass), without checker results
    lines = (tmp_path / "out" / "session.log.jsonl").read_text().splitlines()
    assert len(lines) - 1 == d["tracking"]["frames"]
