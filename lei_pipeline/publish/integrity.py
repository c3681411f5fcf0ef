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


def confined_rel(snap, name: object) -> str:
    """The object name (relative to the storage root) of a manifest's file entry, refusing one that
    is absolute or climbs out of the snapshot (on disk also one that leaves it by a link)."""
    if snap.store.local:
        path = confined(Path(snap.folder), name)
        return f"{snap.rel}/{path.relative_to(Path(snap.folder)).as_posix()}"
    where = f"{snap.folder}/manifest.json"
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        raise IntegrityError(f"{where}: file entry {name!r} is not a plain relative path")
    parts = PurePosixPath(name).parts
    if PurePosixPath(name).is_absolute() or ".." in parts or "." in parts:
        raise IntegrityError(f"{where}: file entry {name!r} points outside its snapshot folder")
    return f"{snap.rel}/{name}"


def verify_object(store, rel: str, expected: str) -> None:
    """verify_file through a Storage: on disk the cached local check, on a bucket the object's
    bytes (cached by path, size and modification time like a file)."""
    if store.local:
        verify_file(Path(store.path(rel)), expected)
        return
    where = store.location(rel)
    try:
        info = store.info(rel)
        if info.type.name != "File":
            raise IntegrityError(f"{where}: listed in the manifest but missing")
        key = (store.path(rel), info.size, info.mtime_ns or 0)
        with _guard:
            actual = _cache.get(key)
        if actual is None:
            actual = store.sha256(rel)
            with _guard:
                _cache[key] = actual
    except OSError as e:
        raise IntegrityError(f"{where}: cannot read ({str(e).splitlines()[0]})") from None
    if actual != expected:
        raise IntegrityError(f"{where}: sha256 {actual[:12]} does not match the manifest ({str(expected)[:12]}); "
                             f"the published file was modified: refusing to read it")


def verified_rel(snap, table: str) -> str:
    """The object name of a snapshot's table after checking it is confined and intact."""
    entry = snap.manifest["tables"][table]
    rel = confined_rel(snap, entry.get("file"))
    verify_object(snap.store, rel, entry.get("sha256", ""))
    return rel


def read_verified(snap, table: str):
    """A snapshot's table as an Arrow table, after the integrity check."""
    return snap.store.read_table(verified_rel(snap, table))


def snapshot_problems(snap) -> list[str]:
    """Every mismatch in one snapshot: tables and the methodology copy (empty list = intact)."""
    manifest = snap.manifest
    problems = []
    entries = [(name, e.get("file"), e.get("sha256", "")) for name, e in sorted(manifest.get("tables", {}).items())]
    meth = manifest.get("methodology") or {}
    if meth.get("file"):
        entries.append(("methodology", meth["file"], meth.get("sha256", "")))
    for _name, file, sha in entries:
        try:
            verify_object(snap.store, confined_rel(snap, file), sha)
        except IntegrityError as e:
            problems.append(str(e))
    return problems


def forget() -> None:
    """Tests that rewrite files within one mtime tick clear the cache."""
    with _guard:
        _cache.clear()
