"""Staging folders and locks.

A staging folder's owner holds an flock on <staging>.lock for as long as it lives. The kernel
drops that lock when the owner exits in any way (even SIGKILL), so the next publisher can tell
a stale staging folder (lock free: remove it) from one another process is still writing
(lock held: leave it)."""
from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

from lei_pipeline.publish.layout import STAGING_PREFIX


def _lock_same_file(path: Path, flags: int) -> int | None:
    """Open path and flock it; None if LOCK_NB and busy. Retries if the file was replaced or
    unlinked between open and lock (another process cleaned it up meanwhile)."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, flags)
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


@contextmanager
def exclusive_lock(path: Path):
    fd = _lock_same_file(path, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class Staging:
    def __init__(self, published_dir: Path):
        self.name = f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        self.path = published_dir / self.name
        self.lock_path = published_dir / f"{self.name}.lock"
        # lock first, then mkdir: a cleaner that sees the folder always sees a held lock
        # (blocking: a cleaner may hold this brand-new lock file for a moment before unlinking it)
        self._fd = _lock_same_file(self.lock_path, fcntl.LOCK_EX)
        self.path.mkdir()

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self.lock_path.unlink()
        except FileNotFoundError:
            pass
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def clean_stale_staging(published_dir: Path) -> list[str]:
    """Remove staging folders (and their lock files) whose owner is gone. Returns the names removed."""
    removed = []
    if not published_dir.is_dir():
        return removed
    names = {p.name for p in published_dir.iterdir() if p.name.startswith(STAGING_PREFIX)}
    stems = {n[:-5] if n.endswith(".lock") else n for n in names}
    for stem in sorted(stems):
        lock_path = published_dir / f"{stem}.lock"
        fd = _lock_same_file(lock_path, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if fd is None:
            continue  # a live publisher owns it
        try:
            shutil.rmtree(published_dir / stem, ignore_errors=True)
            lock_path.unlink(missing_ok=True)
            removed.append(stem)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    return removed
