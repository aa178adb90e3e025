"""``backform app``: live coaching in a browser page, for people who never open a terminal (issue 16).

Python keeps the camera and the one pipeline (a ``backform live`` session without a window: the same
checkers, speech and session files); the page on 127.0.0.1 shows the annotated picture and the results as
they happen, over one WebSocket. See docs/app.md.

- :mod:`.live_hook`: the live session driven by the app, and the frame stream drawn for the page;
- :mod:`.runner`: starting, commanding and ending sessions; what the page is told (:mod:`.state`);
- :mod:`.hub`: the connected pages (controls, watchers, pictures, latency); :mod:`.security`: token, Host,
  Origin; :mod:`.web`: the routes; :mod:`.server`: the socket and uvicorn;
- :mod:`.history`: past sessions and their reports; :mod:`.cameras`: the cameras offered.
"""
from .cameras import list_cameras
from .runner import AppConfig, AppRunner
from .server import AppServer

__all__ = ["AppConfig", "AppRunner", "AppServer", "list_cameras"]
