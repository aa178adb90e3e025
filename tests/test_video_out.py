import cv2
import numpy as np
import pytest

from backform.types import Fault, FrameResult, Phase, PoseFrame
from backform.pose.landmarks import L
from backform.io.video_out import AnnotatedVideoWriter


def _pose(w=320, h=240):
    lm = np.zeros((33, 5), np.float32)
    rng = np.random.default_rng(3)
    lm[:, 0] = 0.3 + 0.4 * rng.random(33)
    lm[:, 1] = 0.3 + 0.4 * rng.random(33)
    lm[:, 3:] = 0.95
    lm[L.NOSE, :2] = (0.2, 0.2)
    for f in (L.LEFT_EYE, L.RIGHT_EYE, L.LEFT_EAR, L.RIGHT_EAR, L.MOUTH_LEFT, L.MOUTH_RIGHT):
        lm[f, :2] = (0.2 + 0.01 * (f % 3), 0.2 + 0.01 * (f % 2))
    return PoseFrame(0, 500.0, w, h, lm)


def _image(w=320, h=240):
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (h, w, 3), dtype=np.uint8)


def test_skeleton_mode_shows_no_pixel_of_the_video(tmp_path):
    vw = AnnotatedVideoWriter(tmp_path / "a.mp4", 15, 320, 240, privacy="skeleton")
    img = _image()
    out = vw.render(img, _pose(), None)
    vw.abort()
    # the random video texture is gone: most pixels are the flat background
    assert np.mean(np.all(out == 32, axis=2)) > 0.8
    assert not np.array_equal(out, img)


def test_blur_mode_changes_the_face_box_only(tmp_path):
    vw = AnnotatedVideoWriter(tmp_path / "a.mp4", 15, 320, 240, privacy="blur")
    img = _image()
    pf = PoseFrame(0, 0.0, 320, 240, None)  # no skeleton drawn: compare blur only
    assert np.array_equal(vw.render(img, pf, None)[:200], img[:200])  # no pose: nothing blurred
    pf = _pose()
    pf_no_body = PoseFrame(0, 0.0, 320, 240, pf.landmarks.copy())
    out = vw.render(img, pf_no_body, None)
    vw.abort()
    face = out[30:66, 45:85].astype(int)
    assert face.std() < 0.5 * img[30:66, 45:85].astype(int).std()  # the face box is smoothed


def test_written_video_has_every_frame_and_the_overlay(tmp_path):
    path = tmp_path / "a.mp4"
    vw = AnnotatedVideoWriter(path, 15, 320, 240, exercise="bridge")
    res = FrameResult(0, 0.5, Phase.HOLD, 2, hold_s=1.2, hold_target_s=2.0,
                      faults=(Fault("hips_low", "Lift your hips", 0.5, 2, (L.LEFT_HIP,)),))
    for i in range(12):
        vw.write(_pose(), res, np.zeros((240, 320, 3), np.uint8))
    assert vw.close() == path and path.is_file()
    assert not (tmp_path / "a.part.mp4").exists()
    cap = cv2.VideoCapture(str(path))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    ok, frame = cap.read()
    assert ok and frame.shape[:2] == (240, 320)
    # red fault ring and text boxes are drawn on a black frame
    assert (frame[..., 2] > 150).sum() > 50


def test_abort_leaves_no_partial_file(tmp_path):
    vw = AnnotatedVideoWriter(tmp_path / "a.mp4", 15, 320, 240)
    vw.write(_pose(), None, np.zeros((240, 320, 3), np.uint8))
    vw.abort()
    assert list(tmp_path.iterdir()) == []


def test_unknown_privacy_mode(tmp_path):
    with pytest.raises(ValueError, match="privacy"):
        AnnotatedVideoWriter(tmp_path / "a.mp4", 15, 320, 240, privacy="pixelate")


def test_shrink_averages_integer_factors_and_is_bilinear_otherwise():
    from backform.io.video_out import shrink
    rng = np.random.default_rng(1)
    img = cv2.GaussianBlur(rng.integers(0, 255, (1080, 1920, 3), dtype=np.uint8), (0, 0), 3)
    assert np.array_equal(shrink(img, (960, 540)), cv2.resize(img, (960, 540), interpolation=cv2.INTER_AREA))
    got = shrink(img, (1280, 720))  # 1.5x: bilinear, close to the area average on a smooth picture
    assert got.shape == (720, 1280, 3)
    assert np.abs(got.astype(int) - cv2.resize(img, (1280, 720), interpolation=cv2.INTER_AREA)).mean() < 2.0
