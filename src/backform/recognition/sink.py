"""A pipeline sink that keeps the analysed PoseFrames, for recognition after the pose pass."""
from __future__ import annotations

from ..types import PoseFrame


class FrameCollector:
    """``write(pf, result, image)`` keeps ``pf`` (landmarks, world landmarks, outline: about 2-4 kB a frame)."""

    def __init__(self) -> None:
        self.frames: list[PoseFrame] = []

    def write(self, pf: PoseFrame, result=None, image=None) -> None:
        self.frames.append(pf)

    def close(self) -> None:
        pass
