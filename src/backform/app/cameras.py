"""The cameras to offer on the page, without opening them (opening a camera can take seconds, and may turn
its light on): on Linux the capture devices the kernel lists, elsewhere the first indices."""
from __future__ import annotations

import platform
from pathlib import Path


def list_cameras(video: str | None = None, sys_root: Path = Path("/sys/class/video4linux")) -> list[dict]:
    """``[{"id", "label"}]``: the --video clip first when given, then the cameras."""
    out = []
    if video:
        out.append({"id": "video", "label": f"Recorded video: {Path(video).name}"})
    if platform.system() == "Linux":
        devs = []
        if sys_root.is_dir():
            for d in sys_root.iterdir():
                if not d.name.startswith("video") or not d.name[5:].isdigit():
                    continue
                idx = int(d.name[5:])
                try:
                    name = (d / "name").read_text().strip()
                    caps = (d / "index").read_text().strip()
                except OSError:
                    name, caps = "", "0"
                if caps == "0":  # each webcam also has metadata nodes (index 1): not cameras
                    devs.append((idx, name))
        for n, (idx, name) in enumerate(sorted(devs)):
            out.append({"id": str(idx), "label": f"Camera {n + 1}" + (f" ({name})" if name else "")})
    else:
        out += [{"id": "0", "label": "Camera 1 (built in)"}, {"id": "1", "label": "Camera 2"}]
    if not video and len(out) == 0:
        out.append({"id": "0", "label": "Camera 1"})
    return out
