"""Timing figures of a live session: frames captured, offered, analysed, dropped and shown; latencies.

Their memory stays small over a long session: latencies are kept as packed doubles (8 bytes each, not a list
of float objects: the percentiles are those of every value), and the times of frames shown and of results
only as a count with the first and the last (all the rates need)."""
from __future__ import annotations

import time
from array import array
from dataclasses import dataclass, field

import numpy as np


def samples() -> array:
    return array("d")


class Times:
    """Monotonic times of events, kept as their count, the first and the last: ``append`` as for a list."""

    __slots__ = ("count", "first", "last")

    def __init__(self):
        self.count, self.first, self.last = 0, 0.0, 0.0

    def append(self, t: float) -> None:
        if not self.count:
            self.first = t
        self.count += 1
        self.last = t

    def __len__(self) -> int:
        return self.count

    def rate(self) -> float:
        """Events per second between the first and the last (0 with fewer than two)."""
        n, dt = self.count, self.last - self.first
        return round((n - 1) / dt, 2) if n > 1 and dt > 0 else 0.0


@dataclass
class LiveStats:
    captured: int = 0
    offered: int = 0        # frames put up for inference (every stride-th: the --max-fps analysis rate)
    inferred: int = 0
    dropped: int = 0        # offered frames replaced in the inference slot before the model took them
    displayed: int = 0
    latency_ms: array = field(default_factory=samples)         # capture -> display of its result (per result shown)
    result_latency_ms: array = field(default_factory=samples)  # capture -> result ready
    infer_ms: array = field(default_factory=samples)           # model taking the frame -> its checks done
    display_times: Times = field(default_factory=Times)        # monotonic times of the displayed frames
    infer_times: Times = field(default_factory=Times)          # monotonic times of the results
    t_start: float = field(default_factory=time.monotonic)

    def result(self, t_capture: float, t_taken: float) -> float:
        """Count one result, of a frame captured at ``t_capture`` and taken by the model at ``t_taken``
        (monotonic seconds); returns the time now."""
        now = time.monotonic()
        self.inferred += 1
        self.infer_ms.append((now - t_taken) * 1000.0)
        self.result_latency_ms.append((now - t_capture) * 1000.0)
        self.infer_times.append(now)
        return now

    def summary(self) -> dict:
        def pct(a, q):
            return round(float(np.percentile(a, q)), 1) if len(a) else None
        el = max(1e-9, time.monotonic() - self.t_start)
        # copies (a slice is one memcpy): numpy reading an array in place would stop other threads appending to it
        lat, infer = (self.latency_ms or self.result_latency_ms)[:], self.infer_ms[:]
        return {"captured": self.captured, "offered": self.offered, "inferred": self.inferred, "dropped": self.dropped,
                "displayed": self.displayed, "elapsed_s": round(el, 2),
                "display_fps": self.display_times.rate(), "inference_fps": self.infer_times.rate(),
                "latency_ms": {"median": pct(lat, 50), "p95": pct(lat, 95), "max": pct(lat, 100),
                               "to": "display" if len(self.latency_ms) else "result"},
                "infer_ms": {"median": pct(infer, 50), "p95": pct(infer, 95)}}
