"""bench/accuracy.py with the pose pass changed as issue 14's speed options would change it (each mode has its
own landmark cache key, so nothing stale is reused):

    flock -x /tmp/heavy.lock nice -n 5 .venv/bin/python bench/accuracy_modes.py [--chunks] [--bilinear]
                                                                              [accuracy.py's options]

``--chunks``: the pose pass in chunks (``backform.pose.parallel.ENABLED``, two workers); ``--bilinear``: the
pose input of a non-integer downscale (720p -> 960x540) bilinear (``bench/speed.py``'s option). Without
either, the same as bench/accuracy.py.
"""
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1] / "src")]

from backform.io import sources  # noqa: E402
from backform.pose import estimator, parallel  # noqa: E402


def main(argv: list[str]) -> int:
    if "--chunks" in argv:
        argv.remove("--chunks")
        parallel.ENABLED = True
    if "--bilinear" in argv:
        argv.remove("--bilinear")
        from speed import bilinear_pose_input
        sources.pose_input = estimator.pose_input = bilinear_pose_input
    import accuracy
    return accuracy.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
