"""Start the Dagster webserver on a free loopback port against workspace.yaml, for GraphQL tests."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from lei_pipeline.settings import REPO_ROOT

# Without the daemon a queued run never starts; the default coordinator launches it directly.
DAGSTER_YAML = """telemetry:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: DefaultRunCoordinator
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dagster_webserver(home: Path, env: dict[str, str], timeout: float = 90):
    """The webserver alone, with the default run coordinator (runs start without a daemon)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    yield from _serve(home, env, ["dagster-webserver"], timeout)


@contextmanager
def dagster_dev(home: Path, env: dict[str, str], timeout: float = 120):
    """`dagster dev` (webserver + daemon: sensors, the run queue) on the project's own instance
    configuration (lei_pipeline.defs.instance), in a fresh home."""
    from lei_pipeline.defs.instance import write_dagster_yaml

    home.mkdir(parents=True, exist_ok=True)
    write_dagster_yaml(home)
    yield from _serve(home, env, ["dagster", "dev"], timeout)


def _serve(home: Path, env: dict[str, str], command: list[str], timeout: float):
    """Start `command` on a free loopback port, wait for /server_info, yield the URL, stop the
    whole process group. Output goes to a log file in the home (a pipe nobody reads would fill up
    and stall the server); its tail is shown if the server does not come up."""
    port = free_port()
    full_env = {**os.environ, **env, "DAGSTER_HOME": str(home), "DAGSTER_DISABLE_TELEMETRY": "1"}
    exe = str(Path(sys.executable).parent / command[0])
    log_path = home / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [exe, *command[1:], "-w", str(REPO_ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO_ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{url}/server_info", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{' '.join(command)} did not start (exit {proc.poll()}):\n{tail}")
                time.sleep(0.3)
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(f"{url}/graphql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        out = json.loads(r.read())
    if out.get("errors"):
        raise AssertionError(out["errors"])
    return out["data"]
