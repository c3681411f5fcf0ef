"""Where published snapshots live: one filesystem layer (pyarrow.fs) over a local folder or an
S3-compatible bucket, chosen by LEI_STORAGE_URL (settings.storage_url).

Every reader and writer of published data goes through a Storage and names objects by their
path relative to its root ("wave=2024/version=3/scores.parquet"), so publishing, load, pull,
lei snapshots and lei sql are the same code on a disk and on a bucket. The two differ in one
primitive only: making a finished version visible (publish.commit).

S3 endpoint and credentials come from the standard variables AWS_ENDPOINT_URL,
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION, so DuckDB, Polars, boto and pyarrow
all read the same bucket with the same settings."""
from __future__ import annotations

import hashlib
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pyarrow.fs as pafs

from lei_pipeline.errors import LeiError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Storage:
    fs: pafs.FileSystem
    root: str      # the root's path inside fs: an absolute folder, or "bucket/prefix"
    url: str       # what users see: the folder, or s3://bucket/prefix

    @property
    def local(self) -> bool:
        return isinstance(self.fs, pafs.LocalFileSystem)

    def path(self, rel: str = "") -> str:
        return f"{self.root}/{rel}" if rel else self.root

    def location(self, rel: str = "") -> Path | str:
        """A local Path on disk, the s3:// URL on a bucket (for messages and local tools)."""
        return Path(self.path(rel)) if self.local else (f"{self.url}/{rel}" if rel else self.url)

    def entries(self, rel: str = "") -> list[pafs.FileInfo]:
        """The direct children of rel (none when it does not exist)."""
        try:
            return self.fs.get_file_info(pafs.FileSelector(self.path(rel), recursive=False, allow_not_found=True))
        except (FileNotFoundError, NotADirectoryError):
            return []

    def files(self, rel: str = "") -> list[str]:
        """Every file below rel, as paths relative to the root."""
        try:
            infos = self.fs.get_file_info(pafs.FileSelector(self.path(rel), recursive=True, allow_not_found=True))
        except (FileNotFoundError, NotADirectoryError):
            return []
        cut = len(self.root) + 1
        return sorted(i.path[cut:] for i in infos if i.type == pafs.FileType.File)

    def info(self, rel: str) -> pafs.FileInfo:
        return self.fs.get_file_info(self.path(rel))

    def is_file(self, rel: str) -> bool:
        return self.info(rel).type == pafs.FileType.File

    def read_bytes(self, rel: str) -> bytes:
        with self.fs.open_input_stream(self.path(rel)) as f:
            return f.read()

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Replace rel whole: an S3 PUT is atomic; on disk a temporary file is renamed over it."""
        if not self.local:
            with self.fs.open_output_stream(self.path(rel)) as f:
                f.write(data)
            return
        target = Path(self.path(rel))
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)

    def put_file(self, local: Path, rel: str) -> None:
        with open(local, "rb") as src, self.fs.open_output_stream(self.path(rel)) as dst:
            while chunk := src.read(_CHUNK):
                dst.write(chunk)

    def sha256(self, rel: str) -> str:
        h = hashlib.sha256()
        with self.fs.open_input_stream(self.path(rel)) as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
        return h.hexdigest()

    def read_table(self, rel: str):
        import pyarrow.parquet as pq

        return pq.read_table(self.path(rel), filesystem=self.fs)

    def delete_file(self, rel: str) -> None:
        self.fs.delete_file(self.path(rel))

    def delete_dir(self, rel: str) -> None:
        try:
            self.fs.delete_dir(self.path(rel))
        except FileNotFoundError:
            pass


def local_storage(folder: Path) -> Storage:
    folder = Path(folder)
    return Storage(pafs.LocalFileSystem(), str(folder), str(folder))


def as_storage(where: Storage | Path | str) -> Storage:
    return where if isinstance(where, Storage) else local_storage(Path(where))


def is_bucket_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith("s3://")


_s3: dict[tuple, pafs.S3FileSystem] = {}
_guard = threading.Lock()


def s3_filesystem() -> pafs.S3FileSystem:
    """An S3 filesystem from the standard AWS_* variables (one per distinct setting, per process)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3")
    key = (endpoint, os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY"),
           os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"))
    with _guard:
        fs = _s3.get(key)
        if fs is None:
            kwargs: dict = {"region": key[3] or "us-east-1", "allow_bucket_creation": True}
            if endpoint:
                parsed = urlparse(endpoint)
                kwargs["endpoint_override"] = parsed.netloc or parsed.path
                kwargs["scheme"] = parsed.scheme or "https"
            if key[1] and key[2]:
                kwargs["access_key"], kwargs["secret_key"] = key[1], key[2]
            fs = _s3[key] = pafs.S3FileSystem(**kwargs)
    return fs


def bucket_storage(url: str) -> Storage:
    parsed = urlparse(url)
    bucket, prefix = parsed.netloc, parsed.path.strip("/")
    if not bucket:
        raise LeiError(f"LEI_STORAGE_URL {url!r}: no bucket (expected s3://bucket/prefix)")
    root = f"{bucket}/{prefix}" if prefix else bucket
    fs = s3_filesystem()
    try:
        info = fs.get_file_info(bucket)
        if info.type == pafs.FileType.NotFound:
            fs.create_dir(bucket)
    except OSError as e:
        raise LeiError(f"cannot reach the object store for {url} (AWS_ENDPOINT_URL="
                       f"{os.environ.get('AWS_ENDPOINT_URL') or 'unset'}): {str(e).splitlines()[0]}") from None
    return Storage(fs, root, f"s3://{root}")


def storage_for(settings) -> Storage:
    """The published data's Storage for these settings (a bucket when storage_url is s3://)."""
    url = getattr(settings, "storage_url", None)
    if is_bucket_url(url):
        return bucket_storage(url)
    return local_storage(settings.published_dir)
