"""The pose pass in chunks: the plan depends on the video only, and two workers give exactly the PoseFrames
(and annotated-video frames) of one pass, so sessions do not depend on how the pass was run."""
import threading
from pathlib import Path

import numpy as np
import pytest

from backform.io import decode, video_out
from backform.io.sources import VideoFileSource
from backform.pose import parallel
from backform.pose.parallel import Chunk, ChunkedPoses, plan

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_videos" / "bird_dog_arm_high_s111.mp4"  # 208 frames at 15 fps


@pytest.fixture(autouse=True)
def chunks_on(monkeypatch):
    """These tests are about the chunks, whether or not analyze uses them by default."""
    monkeypatch.setattr(parallel, "ENABLED", True)


def test_off_is_one_chunk(monkeypatch):
    monkeypatch.setattr(parallel, "ENABLED", False)
    assert plan(18000, 30.0, 2) == [Chunk(0, 0, None)]


def test_short_videos_are_one_chunk():
    assert plan(100, 30.0, 2) == [Chunk(0, 0, None)]           # 3.3 s
    assert plan(0, 30.0, 2) == [Chunk(0, 0, None)]             # unknown length
    assert plan(1000, 30.0, 2, min_split_s=1e9) == [Chunk(0, 0, None)]


@pytest.mark.parametrize("frames,fps,stride", [(392, 30.0, 2), (1361, 59.94, 3), (18000, 30.0, 2), (501, 25.0, 1)])
def test_chunks_cover_the_analysed_frames_once(frames, fps, stride):
    chunks = plan(frames, fps, stride)
    dur = frames / fps
    assert len(chunks) % 2 == 0 and len(chunks) >= 2
    assert max((c.stop if c.stop is not None else frames) - c.start for c in chunks) / fps <= parallel.CHUNK_S + 1
    assert chunks[0].start == chunks[0].warm == 0 and chunks[-1].stop is None
    for a, b in zip(chunks, chunks[1:]):
        assert a.stop == b.start
    overlap = int(np.ceil(parallel.OVERLAP_S * fps / stride)) * stride
    for c in chunks:
        assert c.start % stride == 0 and c.warm % stride == 0
        assert c.warm == max(0, c.start - overlap)
    assert dur >= parallel.MIN_SPLIT_S


def test_a_chunk_never_warms_up_before_the_previous_one_starts():
    chunks = plan(300, 30.0, 1, chunk_s=1.0, overlap_s=2.0, min_split_s=1.0)  # chunks shorter than the overlap
    assert len(chunks) == 10
    for a, b in zip(chunks, chunks[1:]):
        assert b.warm == a.start


def _pose_frames(workers, size=(240, 180)):
    src = VideoFileSource(SAMPLE, max_fps=7.5)
    poses = ChunkedPoses(src, workers=workers, image_size=size, chunk_s=3.0, overlap_s=0.5, min_split_s=1.0)
    assert len(poses.chunks) >= 4
    return poses, list(poses)


def _equal(a, b):
    if a is None or b is None:
        return a is b
    return np.array_equal(a, b)


@pytest.mark.slow
@pytest.mark.skipif(not decode.available(), reason="PyAV not installed: the chunks can only run one after the other")
def test_two_workers_give_the_poses_and_frames_of_one_pass(model_path):
    _, one = _pose_frames(1)
    poses, two = _pose_frames(2)
    assert [pf.index for pf, _ in two] == [pf.index for pf, _ in one] == list(range(0, 208, 2))
    assert sum(pf.has_pose for pf, _ in one) > 80
    for (p, img), (q, img1) in zip(two, one):
        assert p.timestamp_ms == q.timestamp_ms
        assert _equal(p.landmarks, q.landmarks) and _equal(p.world, q.world) and _equal(p.contour, q.contour)
        # the worker resized the frame to the annotated video's size; the single pass left that to the writer
        assert img.shape == (180, 240, 3) and np.array_equal(img, video_out.shrink(img1, (240, 180)))
    assert not any(t.name.startswith("pose-") and t.is_alive() for t in threading.enumerate())


@pytest.mark.slow
def test_a_fresh_model_per_chunk_changes_little(model_path):
    """Chunks differ from one model over the whole video only after a boundary, and only slightly."""
    from backform.pose.estimator import PoseEstimator
    src = VideoFileSource(SAMPLE, max_fps=7.5)
    with PoseEstimator(model_path) as pe:
        whole = [pe.update(f) for f in src]
    poses, chunked = _pose_frames(1, size=None)
    first = poses.chunks[1].start
    for a, (b, img) in zip(whole, chunked):
        assert img is None
        if a.index < first:  # the first chunk is one model from the first frame
            assert _equal(a.landmarks, b.landmarks)
        elif a.has_pose and b.has_pose:
            assert np.abs(a.landmarks[:, :2] - b.landmarks[:, :2]).max() < 0.15


@pytest.mark.slow
@pytest.mark.skipif(not decode.available(), reason="PyAV not installed")
def test_stopping_early_ends_the_workers(model_path):
    src = VideoFileSource(SAMPLE, max_fps=7.5)
    poses = ChunkedPoses(src, workers=2, image_size=(240, 180), chunk_s=3.0, overlap_s=0.5, min_split_s=1.0)
    it = iter(poses)
    next(it)
    it.close()
    assert not any(t.name.startswith("pose-") and t.is_alive() for t in threading.enumerate())


@pytest.mark.slow
@pytest.mark.skipif(not decode.available(), reason="PyAV not installed")
def test_a_failing_worker_fails_the_pass(model_path, monkeypatch):
    src = VideoFileSource(SAMPLE, max_fps=7.5)
    poses = ChunkedPoses(src, workers=2, image_size=None, chunk_s=3.0, overlap_s=0.5, min_split_s=1.0)
    real = src.frame

    def frame(i, t, img):
        if i >= poses.chunks[1].start:
            raise OSError("disk gone")
        return real(i, t, img)
    monkeypatch.setattr(src, "frame", frame)
    with pytest.raises(OSError, match="disk gone"):
        list(poses)
    assert not any(t.name.startswith("pose-") and t.is_alive() for t in threading.enumerate())
