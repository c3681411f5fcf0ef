"""The whole pipeline (`lei run`, the console script) publishing into a bucket: LEI_STORAGE_URL
is the only change; nothing is published on local disk. Two waves, so the second wave's change is
computed against the first wave's snapshot read from the bucket; then `lei report` rebuilds the
second wave's report from the bucket, byte for byte what was published."""
from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import pyarrow.parquet as pq

from lei_pipeline_tests.support.s3server import objects
from lei_pipeline_tests.support.project_data import copy_data_dir

LEI = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "lei"
FIRST, SECOND = "2022", "2024"


def test_lei_run_publishes_waves_into_the_bucket_and_the_report_rebuilds_from_it(tmp_path, s3_server, bucket_url):
    data = copy_data_dir(tmp_path / "data", waves=[FIRST, SECOND])
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEI_", "DAGSTER_"))}
    env.update(s3_server.env(), LEI_DATA_DIR=str(data), LEI_STORAGE_URL=bucket_url, DAGSTER_HOME=str(home),
               DAGSTER_DISABLE_TELEMETRY="1", GX_ANALYTICS_ENABLED="false", COLUMNS="200")
    cwd = tmp_path / "cwd"
    cwd.mkdir()

    def lei(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(LEI), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=900)

    r = lei("run", "--wave", FIRST, "--wave", SECOND)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    assert "Traceback" not in r.stdout + r.stderr
    # the summary names the bucket the snapshots went to, not a local folder
    outputs = [line for line in r.stdout.splitlines() if line.startswith("outputs:")]
    assert outputs and outputs[0].split()[1] == f"{bucket_url}/wave=<wave>/version=<n>/", r.stdout
    assert str(data) not in outputs[0]

    stored = objects(s3_server, bucket_url)
    for wave in (FIRST, SECOND):
        manifest = json.loads(stored[f"wave={wave}/version=1/manifest.json"])
        assert set(manifest["tables"]) >= {"responses", "indicators", "scores", "change"}
        assert stored[f"wave={wave}/LATEST"].strip() == b"1"
    assert not (data / "published").exists() or not any((data / "published").rglob("*.parquet"))
    # the second wave's change was computed against the first wave's snapshot in the bucket
    change = pq.read_table(io.BytesIO(stored[f"wave={SECOND}/version=1/change.parquet"])).to_pandas()
    assert len(change) > 0
    assert set(change["previous_wave"]) == {FIRST} and change["lei_previous"].notna().any()

    r = lei("snapshots", "verify")
    assert r.returncode == 0 and f"wave {FIRST} version 1" in r.stdout, r.stdout + r.stderr

    # the report, rebuilt from the bucket into a local folder: the published bytes
    out = tmp_path / "report"
    r = lei("report", "--wave", SECOND, "--out", str(out))
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    reading = json.loads(stored[f"wave={SECOND}/version=1/manifest.json"]).get("reading", {}).get("files") or {}
    rebuilt = sorted(p.name for p in out.iterdir())
    assert "report.html" in rebuilt
    for name in rebuilt:
        published = stored.get(f"wave={SECOND}/version=1/{name}")
        assert published is not None, f"{name} rebuilt but not in the bucket"
        assert (out / name).read_bytes() == published, f"{name} differs from the published object"
    assert set(rebuilt) == set(reading)   # every reading file the manifest lists, and no other

    # a second run of the same export publishes nothing new
    r = lei("run", "--wave", FIRST)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    assert not any(k.startswith(f"wave={FIRST}/version=2") for k in objects(s3_server, bucket_url))
