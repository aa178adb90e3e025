"""Where a batch reads recordings and writes session folders: a local folder, or any fsspec URL.

A plain path or a ``file://`` URL is a local folder: recordings are read in place and sessions written in
place. Anything else (``s3://bucket/prefix`` with s3fs, ``memory://``, ``gcs://`` ...) goes through fsspec: a
recording is copied to a local temporary file before it is analysed, and a session folder is analysed into
a local temporary folder and then uploaded. fsspec is only needed for such URLs (the ``ray`` and ``s3``
extras).
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

from ..errors import BackformError
from ..io.files import write_text_atomic

try:  # optional: only remote (non-file) URLs need it
    import fsspec
except ImportError:  # pragma: no cover - the ray and s3 extras install it
    fsspec = None

VIDEO_EXTS = {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp"}
DONE_NAME = ".batch-done.json"  # the finished marker, written (atomically) last


def local_path(location: str) -> Path | None:
    """The local folder or file a location names (a path or a ``file://`` URL), or None for other URLs."""
    if "://" not in location:
        return Path(location)
    u = urlparse(location)
    if u.scheme == "file":
        return Path(unquote(u.netloc + u.path) if u.netloc not in ("", "localhost") else unquote(u.path))
    return None


def _annotated(p: Path) -> bool:
    """An annotated video in a session folder (an earlier batch's output beside its input), not a recording."""
    return p.name.startswith("annotated") and (p.parent / "session.json").is_file()


class Store:
    """A root location (a folder or a URL) and the files below it, by relative POSIX path."""

    def __init__(self, root: str | os.PathLike):
        self.root = str(root)
        self.local = local_path(self.root)
        if self.local is None:
            if fsspec is None:
                raise BackformError(f"{self.root}: URLs need fsspec (pip install 'backform[s3]' for s3://)")
            self.fs, self.path = fsspec.core.url_to_fs(self.root)
            self.path = self.path.rstrip("/")
        else:
            self.fs, self.path = None, str(self.local)

    def url(self, rel: str) -> str:
        """The location of ``rel`` as a user would write it (recorded in session.json as the source)."""
        if self.local is not None:
            return str(self.local / rel) if rel else str(self.local)
        return self.root.rstrip("/") + "/" + rel if rel else self.root

    def _remote(self, rel: str) -> str:
        return f"{self.path}/{rel}" if rel else self.path

    def recordings(self) -> list[str]:
        """Relative paths of every video below the root, recursively, sorted."""
        if self.local is not None:
            if not self.local.is_dir():
                raise BackformError(f"input folder not found: {self.root}")
            found = [p.relative_to(self.local).as_posix() for p in self.local.rglob("*")
                     if p.suffix.lower() in VIDEO_EXTS and p.is_file() and not _annotated(p)]
        else:
            if not self.fs.isdir(self.path):
                raise BackformError(f"input folder not found: {self.root}")
            base = PurePosixPath(self.path.lstrip("/"))
            found = [PurePosixPath(p.lstrip("/")).relative_to(base).as_posix() for p in self.fs.find(self.path)
                     if PurePosixPath(p).suffix.lower() in VIDEO_EXTS]
        return sorted(found)

    def read_text(self, rel: str) -> str | None:
        """A small text file's content, or None when it does not exist."""
        if self.local is not None:
            p = self.local / rel
            return p.read_text(encoding="utf-8") if p.is_file() else None
        p = self._remote(rel)
        return self.fs.cat_file(p).decode("utf-8") if self.fs.exists(p) else None

    def write_text(self, rel: str, text: str) -> None:
        """Write a small text file whole: atomically on a local disk, one PUT on an object store."""
        if self.local is not None:
            write_text_atomic(self.local / rel, text)
        else:
            self.fs.pipe_file(self._remote(rel), text.encode("utf-8"))

    def done(self, folder: str) -> dict | None:
        """The finished marker's record of a session folder, or None when the folder is not finished."""
        text = self.read_text(f"{folder}/{DONE_NAME}")
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None

    def mark_done(self, folder: str, record: dict) -> None:
        self.write_text(f"{folder}/{DONE_NAME}", json.dumps(record, indent=1))

    def clear(self, folder: str) -> None:
        """Remove what a killed run left of a session folder."""
        if self.local is not None:
            shutil.rmtree(self.local / folder, ignore_errors=True)
        elif self.fs.exists(self._remote(folder)):
            self.fs.rm(self._remote(folder), recursive=True)

    def fetch(self, rel: str, tmp_dir: Path) -> Path:
        """A local file with the recording's bytes: the file itself when local, else a copy in ``tmp_dir``."""
        if self.local is not None:
            return self.local / rel
        dest = tmp_dir / PurePosixPath(rel).name
        self.fs.get_file(self._remote(rel), str(dest))
        return dest

    def session_dir(self, folder: str, tmp_dir: Path) -> Path:
        """Where a session folder is written locally: in place, or a temporary folder to upload."""
        if self.local is not None:
            return self.local / folder
        return tmp_dir / "session"

    def publish(self, local_dir: Path, folder: str) -> None:
        """Upload a session folder analysed into a temporary local folder (nothing to do when local)."""
        if self.local is not None:
            return
        for p in sorted(local_dir.rglob("*")):
            if p.is_file():
                self.fs.put_file(str(p), self._remote(f"{folder}/{p.relative_to(local_dir).as_posix()}"))
