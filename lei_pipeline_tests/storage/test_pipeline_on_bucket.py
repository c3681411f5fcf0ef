"""The whole pipeline (`lei run`, the console script) publishing into a bucket: LEI_STORAGE_URL
is the only change; nothing is published on local disk."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from lei_pipeline_tests.storage.test_bucket_publish import objects
from lei_pipeline_tests.support.project_data import copy_data_dir

LEI = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "lei"
WAVE = "2022"


def test_lei_run_publishes_a_wave_into_the_bucket(tmp_path, s3_server, bucket_url):
    data = copy_data_dir(tmp_path / "data", waves=[WAVE])
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEI_", "DAGSTER_"))}
    env.update(s3_server.env(), LEI_DATA_DIR=str(data), LEI_STORAGE_URL=bucket_url, DAGSTER_HOME=str(home),
               DAGSTER_DISABLE_TELEMETRY="1", GX_ANALYTICS_ENABLED="false", COLUMNS="200")
    (tmp_path / "cwd").mkdir()
    r = subprocess.run([str(LEI), "run", "--wave", WAVE], env=env, cwd=tmp_path / "cwd", capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    assert "Traceback" not in r.stdout + r.stderr

    stored = objects(s3_server, bucket_url)
    manifest = json.loads(stored[f"wave={WAVE}/version=1/manifest.json"])
    assert set(manifest["tables"]) >= {"responses", "indicators", "scores"}
    assert stored[f"wave={WAVE}/LATEST"].strip() == b"1"
    assert not (data / "published").exists() or not any((data / "published").rglob("*.parquet"))

    r = subprocess.run([str(LEI), "snapshots", "verify"], env=env, cwd=tmp_path / "cwd", capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0 and f"wave {WAVE} version 1" in r.stdout, r.stdout + r.stderr
    # a second run of the same export publishes nothing new
    r = subprocess.run([str(LEI), "run", "--wave", WAVE], env=env, cwd=tmp_path / "cwd", capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    assert not any(k.startswith(f"wave={WAVE}/version=2") for k in objects(s3_server, bucket_url))
