"""Synthetic clips of the five exercises with exact ground truth (optional ``synth`` extra).

``render_clip(ClipSpec(...), out_dir)`` renders a video and its ``<clip>.truth.json``. The heavy
dependencies (torch, anny, pyrender, PyOpenGL, imageio-ffmpeg) are imported only when rendering;
``motion``, ``rig`` and ``truth`` are pure numpy.
"""
from .motion import EXERCISES, FAULTS, FaultSpec, plan_motion  # noqa: F401
