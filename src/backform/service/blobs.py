"""Blob storage: session logs, privacy-mode videos, report pages, raw videos waiting for analysis.

Keys are relative paths built by the service only (``patients/<id>/sessions/<digest>/session.json``), never
from a client's file name. The local store writes each blob to a temporary file in the same folder, fsyncs it
and renames it into place, so a crash leaves the old blob or the whole new one. ``s3://bucket/prefix`` (or any
fsspec URL) stores them through fsspec (``pip install s3fs`` for S3; credentials from the usual AWS
variables); the object store's put is atomic per object.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

import fsspec

_KEY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
CHUNK = 1 << 20


def check_key(key: str) -> str:
    if not _KEY.match(key) or any(p in ("", ".", "..") for p in key.split("/")):
        raise ValueError(f"bad blob key {key!r}")
    return key


class LocalBlobs:
    """Blobs as files under one folder."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, src: BinaryIO) -> int:
        dest = self.path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
        n = 0
        try:
            with os.fdopen(fd, "wb") as f:
                while chunk := src.read(CHUNK):
                    f.write(chunk)
                    n += len(chunk)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, dest)
            dfd = os.open(dest.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)  # the rename itself survives a power cut
            finally:
                os.close(dfd)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return n

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def local_path(self, key: str) -> Path | None:
        """A file path for the blob when it is a local file (served with range requests)."""
        p = self.path(key)
        return p if p.is_file() else None

    def delete_prefix(self, prefix: str) -> None:
        p = self.path(prefix.rstrip("/"))
        if p.is_dir():
            shutil.rmtree(p)
        elif p.is_file():
            p.unlink()

    def keys(self, prefix: str) -> Iterator[str]:
        base = self.path(prefix.rstrip("/"))
        if base.is_dir():
            for f in sorted(base.rglob("*")):
                if f.is_file() and not f.name.endswith(".part"):
                    yield f.relative_to(self.root).as_posix()


class FsspecBlobs(LocalBlobs):
    """Blobs in any fsspec file system (S3 through s3fs, ...)."""

    def __init__(self, url: str):
        self.fs, root = fsspec.core.url_to_fs(url)
        self.root_str = root.rstrip("/")

    def _p(self, key: str) -> str:
        return f"{self.root_str}/{check_key(key)}"

    def path(self, key: str) -> Path:  # pragma: no cover - not a local path
        raise NotImplementedError

    def put(self, key: str, src: BinaryIO) -> int:
        data = src.read()
        self.fs.pipe_file(self._p(key), data)
        return len(data)

    def open(self, key: str) -> BinaryIO:
        return self.fs.open(self._p(key), "rb")

    def exists(self, key: str) -> bool:
        return self.fs.exists(self._p(key))

    def local_path(self, key: str) -> Path | None:
        return None

    def delete_prefix(self, prefix: str) -> None:
        p = self._p(prefix.rstrip("/"))
        if self.fs.exists(p):
            self.fs.rm(p, recursive=True)

    def keys(self, prefix: str) -> Iterator[str]:
        p = self._p(prefix.rstrip("/"))
        if self.fs.exists(p):
            for f in sorted(self.fs.find(p)):
                yield f[len(self.root_str) + 1:]


def open_store(url: str, data: Path) -> LocalBlobs:
    if not url:
        return LocalBlobs(data / "blobs")
    if "://" not in url or url.startswith("file://"):
        return LocalBlobs(url.removeprefix("file://"))
    return FsspecBlobs(url)
