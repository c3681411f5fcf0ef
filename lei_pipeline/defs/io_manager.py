"""How wave assets hand frames to each other: Arrow IPC files, memory-mapped when read.

Dagster's default IO manager pickles. At 100,000 units the indicators table (7.5 M rows) took 3 s
and ~700 MB of extra memory to pickle, and three downstream steps unpickle it. An Arrow IPC file
is written in ~1 s without a second in-memory copy and is read back in ~0.2 s by mapping the file
(the Arrow-backed string columns point into the mapping). Files are written aside and renamed,
so a mapping held by a running step never sees a file change under it.

Only frames whose every column has a concrete dtype go to Arrow, so the pandas metadata restores
them exactly (str, numbers, nullable ints and booleans, datetimes); anything else (object
columns, non-frames) is pickled as before, in the same file name. A frame's attrs are not kept:
what travels beside a frame is typed. The export as read (RawExport) goes as its frame plus
its format, encoding and header texts; its problems stay with the raw asset's checks. The
scored indicators (IndicatorMatrix) go as their own Arrow table: a row per unit, not the
7.5-million-row long table.

A frame or export stored as Arrow and no bigger than KEEP_BYTES is also kept in memory for the
rest of the run: a later step of the same run gets a copy of it instead of converting the file
back to pandas (0.5 s of a three-wave `lei run`: a 130-column frame takes 15-25 ms to convert
and is read by up to five steps). The copy is what the file would give (the Arrow round trip is
exact for these frames; a test compares both on every stored output of a sample wave) and it is
the file that counts: when the file is no longer the one written (another run rewrote it), the
file is read."""
from __future__ import annotations

import json
import os
import pickle
import stat
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa

from lei_pipeline.errors import LeiError
from lei_pipeline.methodology.matrix import IndicatorMatrix
from lei_pipeline.survey.readers import RawExport

ARROW_MAGIC = b"ARROW1"
RAW_EXPORT_KEY = b"lei_raw_export"
KEEP_BYTES = 64 * 1024 * 1024   # larger outputs are only mapped from their file (peak memory at scale)


def _arrow_table(obj) -> pa.Table | None:
    if isinstance(obj, IndicatorMatrix):
        return obj.to_table()
    extra = None
    if isinstance(obj, RawExport):
        extra = json.dumps({"fmt": obj.fmt, "headers": obj.headers, "encoding": obj.encoding}).encode()
        obj = obj.frame
    if not isinstance(obj, pd.DataFrame) or any(dt == object for dt in obj.dtypes) or obj.index.dtype == object:
        return None
    try:
        table = pa.Table.from_pandas(obj, preserve_index=None)
    except (TypeError, ValueError, pa.ArrowException):
        return None
    if extra is not None:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), RAW_EXPORT_KEY: extra})
    return table


def write_frame(obj, path: str) -> str:
    """obj to path (Arrow IPC or pickle); returns which format was used."""
    tmp = f"{path}.tmp-{os.getpid()}"
    table = _arrow_table(obj)
    if table is not None:
        with pa.OSFile(tmp, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        fmt = "arrow"
    else:
        with open(tmp, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        fmt = "pickle"
    os.replace(tmp, path)
    return fmt


def read_frame(path: str):
    with open(path, "rb") as f:
        magic = f.read(len(ARROW_MAGIC))
        if magic != ARROW_MAGIC:
            f.seek(0)
            return pickle.load(f)
    table = pa.ipc.open_file(pa.memory_map(path, "r")).read_all()
    if IndicatorMatrix.stored_in(table):
        return IndicatorMatrix.from_table(table)
    frame = table.to_pandas()
    raw = (table.schema.metadata or {}).get(RAW_EXPORT_KEY)
    if raw:
        return RawExport(frame=frame, **json.loads(raw))
    return frame


def _keepable(obj) -> bool:
    frame = obj.frame if isinstance(obj, RawExport) else obj
    return isinstance(frame, pd.DataFrame) and int(frame.memory_usage(index=True, deep=False).sum()) <= KEEP_BYTES


def as_read(obj):
    """What read_frame gives for a frame or export write_frame stored as Arrow, without the file:
    a new frame over the same columns (copy-on-write: a step that changes its copy changes only
    its own), without attrs or the export's problems, which the file does not hold either."""
    if isinstance(obj, RawExport):
        return RawExport(frame=as_read(obj.frame), fmt=obj.fmt, headers=dict(obj.headers), encoding=obj.encoding)
    out = obj.copy(deep=False)
    out.attrs = {}
    return out


def _file_identity(path: Path) -> tuple[int, int, int] | None:
    """(inode, mtime, size) of the file at path; None when there is no file."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size) if stat.S_ISREG(st.st_mode) else None


class _ArrowFrames(dg.IOManager):
    """<base>/<asset key>/<wave>.arrow. A plain IOManager, not UPathIOManager: that one writes two
    debug messages per input and output into the event log (a quarter of a wave run's events, each
    a SQLite write), and its multi-partition machinery is not needed for one wave per run."""

    def __init__(self, base: Path):
        self.base = base
        self._kept: dict[Path, tuple[tuple, object]] = {}   # path -> (its file's identity, object written)

    def _path(self, context) -> Path:
        folder = self.base.joinpath(*context.asset_key.path)
        partition = context.asset_partition_key if context.has_asset_partitions else "__unpartitioned__"
        return folder / f"{partition}.arrow"

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        path = self._path(context)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._kept.pop(path, None)
        storage_format = write_frame(obj, str(path))
        if storage_format == "arrow" and _keepable(obj):
            self._kept[path] = (_file_identity(path), obj)
        context.add_output_metadata({"storage_format": storage_format})

    def load_input(self, context: dg.InputContext):
        path = self._path(context)
        identity = _file_identity(path)
        if identity is None:
            raise LeiError(f"{context.asset_key.to_user_string()} has no stored output for "
                           f"{context.asset_partition_key if context.has_asset_partitions else 'this run'} "
                           f"({path}): materialise it first")
        kept = self._kept.get(path)
        if kept is not None and kept[0] == identity:
            return as_read(kept[1])
        return read_frame(str(path))


class FrameIOManager(dg.ConfigurableIOManagerFactory):
    """Frames between wave assets, under base_dir (default: the Dagster instance's storage)."""

    base_dir: str | None = None

    def create_io_manager(self, context: dg.InitResourceContext) -> _ArrowFrames:
        return _ArrowFrames(Path(self.base_dir or context.instance.storage_directory()))
