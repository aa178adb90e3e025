"""The progress bar over a long job, as a pipeline sink (the CLI's; the library only logs)."""
from __future__ import annotations

from tqdm import tqdm


class ProgressSink:
    """A tqdm bar advanced once per analysed frame."""

    def __init__(self, total: int | None, desc: str, quiet: bool = False, unit: str = "frame"):
        self.bar = tqdm(total=total or None, desc=desc, unit=unit, disable=quiet or None, leave=False,
                        dynamic_ncols=True)

    def write(self, pf=None, result=None, image=None) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
