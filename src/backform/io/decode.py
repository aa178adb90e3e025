"""A video file's analysed frames decoded with PyAV (the optional ``fast`` extra), the same frames OpenCV gives.

OpenCV's reader must decode every frame to reach the next analysed one. At the analysis rate (every 2nd
frame of a 30 fps video, every 3rd of a 60 fps one) most skipped frames of an H.264 stream are pictures no
other picture refers to (``nal_ref_idc`` 0): this reader does not decode them at all, and it can start in the
middle of a file (a seek to the key frame before, then decoding forward), which a second pose worker needs.

Frames are numbered in display order from the packets' timestamps (read, not decoded, once per file), which
is how OpenCV counts them; timestamps are OpenCV's ``CAP_PROP_POS_MSEC`` (pts since the stream's start) and
the BGR pixels are bit-identical to OpenCV's (both convert with FFmpeg's swscale; checked on the shared and
sample clips by tests/test_decode.py and bench/speed.py). A file this reader cannot number this way (packets
without timestamps, repeated timestamps, a rotated phone video, which OpenCV turns upright) is left to OpenCV:
:func:`open_reader` returns None.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Iterator

import numpy as np

try:  # optional extra: pip install 'backform[fast]' (av>=14)
    import av
except ImportError:  # pragma: no cover - the base install
    av = None

log = logging.getLogger(__name__)


def available() -> bool:
    return av is not None


def h264_is_reference(data: bytes) -> bool:
    """Whether an H.264 access unit (length-prefixed NAL units, as in MP4/MOV) holds a picture others may refer to
    (a coded slice with ``nal_ref_idc`` > 0), or holds no coded slice at all (then it is decoded to be safe)."""
    p, seen, ref = 0, False, False
    n_data = len(data)
    while p + 4 < n_data:
        n = int.from_bytes(data[p:p + 4], "big")
        h = data[p + 4]
        if h & 0x1F in (1, 5):  # coded slice (non-IDR, IDR)
            seen = True
            ref = ref or (h >> 5) & 3 != 0
        p += 4 + n
    return ref or not seen


class PyAvReader:
    """Frames ``[start, stop)`` of a video file whose index is a multiple of ``stride``, as ``(index,
    timestamp_ms, bgr)``. Build with :func:`open_reader`."""

    def __init__(self, path: Path, pts: list[int], start_time: int, time_base, length_prefixed_h264: bool):
        self.path = path
        self.pts = pts                      # every frame's pts, in display order
        self.rank = {p: i for i, p in enumerate(pts)}
        self.start_time = start_time
        self.time_base = time_base
        self.h264 = length_prefixed_h264
        self.decoded = self.dropped = 0     # packets decoded / not decoded (for the bench)

    @property
    def frame_count(self) -> int:
        return len(self.pts)

    def _ms(self, pts: int) -> float:
        # OpenCV's arithmetic, to the last bit: (double)(pts - start) * av_q2d(time_base) * 1000
        return float(pts - self.start_time) * (self.time_base.numerator / self.time_base.denominator) * 1000.0

    def frames(self, stride: int = 1, start: int = 0, stop: int | None = None, threads: bool = True,
               only: set[int] | None = None) -> Iterator[tuple[int, float, np.ndarray]]:
        """``only``: just these indices (a report's stills): the others are not converted, and the skippable
        ones not decoded."""
        stop = len(self.pts) if stop is None else min(stop, len(self.pts))
        if only is not None:
            only = {i for i in only if start <= i < stop and i % stride == 0}
            if not only:
                return
            start, stop = min(only), max(only) + 1
        if start >= stop:
            return
        box = av.open(str(self.path))
        try:
            st = box.streams.video[0]
            if threads:
                st.thread_type = "AUTO"
            if start > 0:
                # the key frame at or before the first wanted frame; frames before ``start`` are decoded only
                # as far as later ones need them
                box.seek(self.pts[start], stream=st, backward=True, any_frame=False)
            flushed = False  # demux ends with an empty packet, which flushes the decoder
            for pkt in box.demux(st):
                flushed = pkt.size == 0
                i = self.rank.get(pkt.pts) if pkt.pts is not None else None
                if i is not None:
                    if i >= stop + 16 and pkt.is_keyframe:
                        break  # no later packet holds a wanted frame (reordering reaches a few frames back)
                    wanted = start <= i < stop and i % stride == 0 and (only is None or i in only)
                    if not wanted and self.h264 and not pkt.is_keyframe and not h264_is_reference(bytes(pkt)):
                        self.dropped += 1
                        continue
                self.decoded += 1
                yield from self._keep(pkt.decode(), stride, start, stop, only)
            if not flushed:  # stopped early: the decoder's delayed frames
                yield from self._keep(st.codec_context.decode(None), stride, start, stop, only)
        finally:
            box.close()

    def _keep(self, frames, stride: int, start: int, stop: int,
              only: set[int] | None) -> Iterator[tuple[int, float, np.ndarray]]:
        for fr in frames:
            j = self.rank.get(fr.pts)
            if j is not None and start <= j < stop and j % stride == 0 and (only is None or j in only):
                yield j, self._ms(fr.pts), fr.to_ndarray(format="bgr24")


def open_reader(path: str | os.PathLike) -> PyAvReader | None:
    """A :class:`PyAvReader` for ``path``, or None when PyAV is not installed or the file is one it leaves to
    OpenCV (see the module's doc). Reads the packets' timestamps once (no decoding)."""
    if av is None:
        return None
    path = Path(path)
    try:
        box = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError) as e:
        log.debug("PyAV cannot open %s: %s", path, e)
        return None
    try:
        if not box.streams.video:
            return None
        st = box.streams.video[0]
        cc = st.codec_context
        pts: list[int] = []
        for pkt in box.demux(st):
            if pkt.size == 0:
                continue
            if pkt.pts is None:
                return None
            pts.append(pkt.pts)
        if not pts:
            return None
        pts.sort()
        if any(a == b for a, b in zip(pts, pts[1:])):
            return None
        box.seek(pts[0], stream=st, backward=True)
        rotation = None
        for fr in box.decode(st):
            rotation = getattr(fr, "rotation", None)  # PyAV >= 14; unknown: left to OpenCV
            break
        if rotation is None or rotation:
            return None
        # length-prefixed H.264 with 4-byte lengths (avcC extradata: version 1, lengthSizeMinusOne 3, which
        # h264_is_reference reads); Annex B streams and other length sizes are decoded in full
        h264 = cc.name == "h264" and len(cc.extradata or b"") > 4 and cc.extradata[0] == 1 \
            and cc.extradata[4] & 3 == 3
        return PyAvReader(path, pts, st.start_time or 0, st.time_base, h264)
    except (av.error.FFmpegError, OSError, ValueError) as e:
        log.debug("PyAV cannot read %s: %s", path, e)
        return None
    finally:
        box.close()

