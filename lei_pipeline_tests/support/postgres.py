"""A throw-away PostgreSQL server for tests (recipe: /work/shared/platform-notes.md section 5).

LEI_TEST_PG_URL (a server URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres) is
used as is when set. Otherwise a private server is started on a free port in a mkdtemp(dir="/tmp")
folder (not under pytest's tmp_path: /tmp/pytest-of-root is 0700 and the server runs as the
postgres user). Each pytest-xdist worker starts its own. If the server binaries are missing and
we are root, `apt-get install -y postgresql` is tried once; under CI=true an unavailable server
fails the test run, elsewhere the PostgreSQL tests are skipped."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ENV_URL = "LEI_TEST_PG_URL"


class PostgresUnavailable(RuntimeError):
    pass


def pg_bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: [int(x) if x.isdigit() else x for x in Path(p).parent.parent.name.split(".")])
    return Path(found[-1]).parent if found else None


def ensure_installed() -> Path:
    """The server's bin folder, installing the Debian package if needed (root only)."""
    bin_dir = pg_bin_dir()
    if bin_dir is not None:
        return bin_dir
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise PostgresUnavailable("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin) "
                                  "and not root to apt-get install them")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        r = subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], env=env, capture_output=True, text=True)
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable(f"apt-get install postgresql failed: {(r.stderr or r.stdout).strip()[-300:]}")
    return bin_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    # initdb refuses to run as root
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def local_server(attempts: int = 3) -> Iterator[str]:
    """Start a private server; yield its SQLAlchemy URL; stop it and remove its folder."""
    bin_dir = ensure_installed()
    root = Path(tempfile.mkdtemp(prefix="lei-pg-", dir="/tmp"))
    data = root / "data"
    try:
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(root, pw.pw_uid, pw.pw_gid)
        r = subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {r.stderr.strip()[-300:]}")
        port = None
        for _ in range(attempts):  # another worker may take the port between probe and start
            candidate = _free_port()
            opts = (f"-p {candidate} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off")
            r = subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"),
                                                "-w", "-t", "30", "-o", opts, "start"]), capture_output=True, text=True)
            if r.returncode == 0:
                port = candidate
                break
        if port is None:
            log = (root / "server.log").read_text(errors="replace")[-300:] if (root / "server.log").exists() else ""
            raise PostgresUnavailable(f"pg_ctl start failed: {r.stderr.strip()[-200:]} {log}")
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def server_url() -> Iterator[str]:
    """LEI_TEST_PG_URL if set, else a private server for the duration of the block."""
    given = os.environ.get(ENV_URL)
    if given:
        yield given
        return
    with local_server() as url:
        yield url


def _conninfo(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def temporary_database(url: str) -> Iterator[str]:
    """A fresh, empty database on the server at url; dropped afterwards. Yields its SQLAlchemy URL."""
    import psycopg
    import sqlalchemy as sa
    from psycopg import sql

    name = f"lei_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_conninfo(url), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def unavailable(reason: str) -> None:
    """Skip, or fail under CI=true (CI must prove the PostgreSQL path, not silently skip it)."""
    from lei_pipeline_tests.support.real_components import skip_or_fail

    skip_or_fail(f"PostgreSQL required under CI: {reason}", f"PostgreSQL unavailable: {reason}")
