"""PyAV's reader (the ``fast`` extra) gives OpenCV's frames: same numbering, timestamps and pixels, from the
start or from the middle of a file, without decoding the skipped pictures nothing refers to."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from backform.io import decode
from backform.io.sources import VideoFileSource

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_videos" / "bird_dog_arm_high_s111.mp4"  # H.264 High with B-frames, 15 fps

pytestmark = pytest.mark.skipif(not decode.available(), reason="PyAV not installed (pip install 'backform[fast]')")


def _opencv(path, max_fps):
    return [(f.index, f.timestamp_ms, f.image) for f in VideoFileSource(path, max_fps=max_fps, decoder="opencv")]


def _same(a, b):
    assert [x[0] for x in a] == [y[0] for y in b]
    assert [x[1] for x in a] == [y[1] for y in b]  # to the last bit
    assert all(np.array_equal(x[2], y[2]) for x, y in zip(a, b))


@pytest.mark.parametrize("max_fps", [None, 5.0])
def test_h264_frames_equal_opencv_and_skipped_pictures_are_not_decoded(max_fps):
    src = VideoFileSource(SAMPLE, max_fps=max_fps)
    reader = src.pyav_reader()
    assert reader is not None and reader.h264 and reader.frame_count == src.frame_count
    ours = list(reader.frames(src.stride))
    _same(ours, _opencv(SAMPLE, max_fps))
    if src.stride > 1:
        assert reader.dropped > 0  # non-reference pictures between analysed frames
    else:
        assert reader.dropped == 0
    # the source itself reads through PyAV and yields the same frames
    _same([(f.index, f.timestamp_ms, f.image) for f in src], ours)


def test_reading_from_the_middle_gives_the_same_frames():
    src = VideoFileSource(SAMPLE, max_fps=5.0)
    whole = _opencv(SAMPLE, 5.0)
    reader = src.pyav_reader()
    for start, stop in [(99, 150), (3, 9), (201, None), (0, 1)]:
        part = list(reader.frames(src.stride, start, stop))
        _same(part, [x for x in whole if x[0] >= start and (stop is None or x[0] < stop)])


def test_other_codecs_are_decoded_in_full(numbered_video):
    src = VideoFileSource(numbered_video, max_fps=10)
    reader = src.pyav_reader()
    assert reader is not None and not reader.h264  # MPEG-4 part 2
    _same(list(reader.frames(src.stride)), _opencv(numbered_video, 10))
    assert reader.dropped == 0


def test_a_rotated_video_is_left_to_opencv(tmp_path):
    import shutil
    import subprocess
    ff = shutil.which("ffmpeg")
    if ff is None:
        pytest.skip("ffmpeg not installed")
    plain = tmp_path / "plain.mp4"
    img = np.zeros((64, 96, 3), np.uint8)
    img[:, :48] = 255
    vw = cv2.VideoWriter(str(plain), cv2.VideoWriter_fourcc(*"mp4v"), 10, (96, 64))
    for _ in range(10):
        vw.write(img)
    vw.release()
    rotated = tmp_path / "rotated.mp4"
    subprocess.run([ff, "-loglevel", "error", "-i", str(plain), "-c", "copy", "-metadata:s:v:0", "rotate=90",
                    str(rotated)], check=True)
    src = VideoFileSource(rotated)
    assert src.pyav_reader() is None  # OpenCV turns it upright; PyAV would not
    assert next(iter(src)).image.shape[:2] == (src.height, src.width)


def test_opencv_is_used_when_asked():
    assert VideoFileSource(SAMPLE, decoder="opencv").pyav_reader() is None
    with pytest.raises(ValueError):
        VideoFileSource(SAMPLE, decoder="gstreamer")


def test_reference_pictures_are_told_apart():
    ref = (4).to_bytes(4, "big") + bytes([0x65, 0, 0, 0])        # IDR slice, nal_ref_idc 3
    nonref = (4).to_bytes(4, "big") + bytes([0x01, 0, 0, 0])     # non-IDR slice, nal_ref_idc 0
    sei = (4).to_bytes(4, "big") + bytes([0x06, 0, 0, 0])        # no slice: decoded to be safe
    assert decode.h264_is_reference(ref)
    assert not decode.h264_is_reference(sei + nonref)
    assert decode.h264_is_reference(sei)


@pytest.mark.parametrize("decoder", ["auto", "opencv"])
def test_reading_some_frames_converts_only_those(decoder):
    src = VideoFileSource(SAMPLE, max_fps=5.0, decoder=decoder)
    whole = {i: img for i, _, img in _opencv(SAMPLE, None)}
    want = {7, 100, 101, 150, 5000}
    got = src.read(want)
    assert sorted(got) == [7, 100, 101, 150]
    assert all(np.array_equal(got[i], whole[i]) for i in got)
    assert src.read([]) == {}
