"""Timing figures of a live session: frames captured, offered, analysed, dropped and shown; latencies."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np


@dataclass
class LiveStats:
    captured: int = 0
    offered: int = 0        # frames put up for inference (every stride-th: the --max-fps analysis rate)
    inferred: int = 0
    dropped: int = 0        # offered frames replaced in the inference slot before the model took them
    displayed: int = 0
    latency_ms: list = field(default_factory=list)        # capture -> display of its result (per result shown)
    result_latency_ms: list = field(default_factory=list)  # capture -> result ready
    infer_ms: list = field(default_factory=list)          # model taking the frame -> its checks done
    display_times: list = field(default_factory=list)     # monotonic time of each displayed frame
    infer_times: list = field(default_factory=list)       # monotonic time of each result
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
        lat = self.latency_ms or self.result_latency_ms

        def rate(ts):
            return round((len(ts) - 1) / (ts[-1] - ts[0]), 2) if len(ts) > 1 and ts[-1] > ts[0] else 0.0
        return {"captured": self.captured, "offered": self.offered, "inferred": self.inferred, "dropped": self.dropped,
                "displayed": self.displayed, "elapsed_s": round(el, 2),
                "display_fps": rate(self.display_times), "inference_fps": rate(self.infer_times),
                "latency_ms": {"median": pct(lat, 50), "p95": pct(lat, 95), "max": pct(lat, 100),
                               "to": "display" if self.latency_ms else "result"},
                "infer_ms": {"median": pct(self.infer_ms, 50), "p95": pct(self.infer_ms, 95)}}
