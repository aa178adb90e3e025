import cv2
import numpy as np
import pytest

from backform.errors import SourceError
from backform.io.sources import ImageFolderSource, VideoFileSource, open_source, stride_for


@pytest.mark.parametrize("fps,cap,expected", [(30, 20, 2), (59.94, 20, 3), (60, 20, 3), (24, 20, 2),
                                              (15, 20, 1), (30, None, 1), (30, 0, 1), (20, 20, 1)])
def test_stride_for(fps, cap, expected):
    assert stride_for(fps, cap) == expected


def test_video_timestamps_from_container_strictly_increase(numbered_video):
    src = VideoFileSource(numbered_video)
    frames = list(src)
    assert len(frames) == 90 == src.frame_count
    assert [f.index for f in frames] == list(range(90))
    ts = [f.timestamp_ms for f in frames]
    assert all(b > a for a, b in zip(ts, ts[1:]))
    assert ts[0] == pytest.approx(0.0, abs=1e-6)
    assert ts[30] == pytest.approx(1000.0, abs=1.0)


def test_video_stride_keeps_every_nth_frame_with_its_time(numbered_video):
    src = VideoFileSource(numbered_video, max_fps=10)
    assert src.stride == 3 and src.analysis_fps == pytest.approx(10.0)
    frames = list(src)
    assert [f.index for f in frames] == list(range(0, 90, 3))
    assert frames[10].timestamp_ms == pytest.approx(1000.0, abs=1.0)


def test_threaded_and_plain_reading_agree(numbered_video):
    a = list(VideoFileSource(numbered_video, prefetch=0))
    b = list(VideoFileSource(numbered_video, prefetch=4))
    assert [f.timestamp_ms for f in a] == [f.timestamp_ms for f in b]
    assert all(np.array_equal(x.image, y.image) for x, y in zip(a, b))


def test_stopping_early_ends_the_decoder_thread(numbered_video):
    import threading
    it = iter(VideoFileSource(numbered_video, prefetch=2))
    next(it)
    it.close()
    assert not any(t.name == "decode" and t.is_alive() for t in threading.enumerate())


def test_image_folder(tmp_path):
    for i in range(5):
        cv2.imwrite(str(tmp_path / f"img_{i:03d}.png"), np.full((20, 30, 3), i * 40, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    src = ImageFolderSource(tmp_path, fps=10)
    frames = list(src)
    assert [f.index for f in frames] == list(range(5))
    assert [f.timestamp_ms for f in frames] == [0.0, 100.0, 200.0, 300.0, 400.0]
    assert (src.width, src.height) == (30, 20)
    assert isinstance(open_source(str(tmp_path)), ImageFolderSource)


@pytest.mark.parametrize("make,message", [
    (lambda p: p / "missing.mp4", "not found"),
    (lambda p: (p / "zero.mp4").write_bytes(b"") and p / "zero.mp4" or p / "zero.mp4", "empty"),
    (lambda p: (p / "text.mp4").write_text("hello") and p / "text.mp4", "cannot read video"),
])
def test_bad_videos_raise_one_clear_error(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(SourceError, match=message):
        VideoFileSource(path)


def test_empty_image_folder(tmp_path):
    with pytest.raises(SourceError, match="no images"):
        ImageFolderSource(tmp_path)


def test_camera_that_does_not_exist():
    from backform.io.sources import WebcamSource
    with pytest.raises(SourceError, match="cannot open camera 97"):
        WebcamSource(97)
