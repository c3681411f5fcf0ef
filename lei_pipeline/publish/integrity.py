"""Integrity on read: every file a manifest lists must sit inside its snapshot folder and have the
sha256 the manifest records. Readers (load, pull, lei sql, snapshots verify) go through here.

Hashing a table on every read would cost as much as reading it twice, so a file's hash is
cached per process, keyed by (path, size, mtime_ns): any write to the file changes one of them."""
from __future__ import annotations

import os
import threading
from pathlib import Path, PurePosixPath

from lei_pipeline.errors import LeiError
from lei_pipeline.files import file_sha256


class IntegrityError(LeiError):
    """A published file does not match its manifest (exit code 1: a check failed)."""

    exit_code = 1


_cache: dict[tuple[str, int, int], str] = {}
_guard = threading.Lock()


def confined(folder: Path, name: object) -> Path:
    """folder/name, refusing a name that is absolute, climbs with '..' or leaves folder by a link."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        raise IntegrityError(f"{folder / 'manifest.json'}: file entry {name!r} is not a plain relative path")
    parts = PurePosixPath(name).parts
    if PurePosixPath(name).is_absolute() or ".." in parts:
        raise IntegrityError(f"{folder / 'manifest.json'}: file entry {name!r} points outside its snapshot folder")
    path = folder / name
    root = folder.resolve()
    if not path.resolve().is_relative_to(root):
        raise IntegrityError(f"{folder / 'manifest.json'}: file entry {name!r} points outside its snapshot folder")
    return path


def cached_sha256(path: Path) -> str:
    st = os.stat(path)
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _guard:
        known = _cache.get(key)
    if known is not None:
        return known
    digest = file_sha256(path)
    with _guard:
        _cache[key] = digest
    return digest


def verify_file(path: Path, expected: str) -> None:
    """IntegrityError naming the file when it is missing or its sha256 is not the expected one."""
    try:
        actual = cached_sha256(path)
    except FileNotFoundError:
        raise IntegrityError(f"{path}: listed in the manifest but missing") from None
    except OSError as e:
        raise IntegrityError(f"{path}: cannot read ({e.strerror})") from None
    if actual != expected:
        raise IntegrityError(f"{path}: sha256 {actual[:12]} does not match the manifest ({str(expected)[:12]}); "
                             f"the published file was modified: refusing to read it")


def verified_table(folder: Path, manifest: dict, table: str) -> Path:
    """The path of a manifest's table after checking it is confined and intact."""
    entry = manifest["tables"][table]
    path = confined(folder, entry.get("file"))
    verify_file(path, entry.get("sha256", ""))
    return path


def snapshot_problems(folder: Path, manifest: dict) -> list[str]:
    """Every mismatch in one snapshot: tables and the methodology copy (empty list = intact)."""
    problems = []
    entries = [(name, e.get("file"), e.get("sha256", "")) for name, e in sorted(manifest.get("tables", {}).items())]
    meth = manifest.get("methodology") or {}
    if meth.get("file"):
        entries.append(("methodology", meth["file"], meth.get("sha256", "")))
    for _name, file, sha in entries:
        try:
            verify_file(confined(folder, file), sha)
        except IntegrityError as e:
            problems.append(str(e))
    return problems


def forget() -> None:
    """Tests that rewrite files within one mtime tick clear the cache."""
    with _guard:
        _cache.clear()
