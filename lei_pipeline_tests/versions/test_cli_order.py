"""Wave order through the real console script: a fresh Dagster home shared by three runs at once,
undeclared waves, `lei wave add` declaring, a methodology changed under the same version."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from lei_pipeline.publish.layout import complete_versions
from lei_pipeline.settings import Settings
from lei_pipeline.waves.declared import declared_waves
from lei_pipeline_tests.support.cli import lei
from lei_pipeline_tests.support.project_data import export_of


def _lei_process(env, *args) -> subprocess.Popen:
    import os
    import sys

    exe = os.path.join(os.path.dirname(sys.executable), "lei")
    return subprocess.Popen([exe, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
def test_three_runs_at_once_on_a_fresh_dagster_home(fresh_env):
    """Before: the three migrated the new SQLite storage at once and every later command failed
    with "alembic_version has more than one head"."""
    assert not Path(fresh_env["DAGSTER_HOME"]).exists()
    procs = [_lei_process(fresh_env, "run", "--wave", "2022") for _ in range(3)]
    outs = [p.communicate(timeout=900)[0] for p in procs]
    for p, out in zip(procs, outs):
        assert p.returncode == 0 and "Traceback" not in out, out[-3000:]
    status = lei(fresh_env, "status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "2022" in status.stdout and "more than one head" not in status.stdout + status.stderr
    data = Path(fresh_env["LEI_DATA_DIR"])
    assert complete_versions(data / "published", "2022") == [1]


def test_run_refuses_an_undeclared_wave_and_lists_it_as_not_run(fresh_env):
    data = Path(fresh_env["LEI_DATA_DIR"])
    (data / "raw" / "2030").mkdir()
    (data / "raw" / "2030" / "x.csv").write_bytes(export_of(data, "2025").read_bytes())
    r = lei(fresh_env, "run", "--wave", "2030")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "wave 2030: not declared in waves.yaml" in r.stderr and "lei wave add 2030" in r.stderr
    assert not (data / "published").exists()


def test_wave_add_declares_the_wave_after_the_last_one(fresh_env):
    data = Path(fresh_env["LEI_DATA_DIR"])
    r = lei(fresh_env, "wave", "add", "2026_spring", export_of(data, "2025"), "--reference-date", "2026-03-31",
            "--label", "Spring 2026")
    assert r.returncode == 0, r.stderr
    waves = declared_waves(Settings.from_env(data_dir=data))
    assert [w.id for w in waves] == ["2022", "2024", "2025", "2026_spring"]
    assert waves[-1].question_set == "2025" and waves[-1].label == "Spring 2026"
    assert waves[-1].reference_date.isoformat() == "2026-03-31"
    r = lei(fresh_env, "wave", "add", "2026_spring", export_of(data, "2025"), "--replace")
    assert r.returncode == 0 and len(declared_waves(Settings.from_env(data_dir=data))) == 4


@pytest.mark.slow
def test_a_methodology_changed_under_the_same_version_is_refused(fresh_env):
    data = Path(fresh_env["LEI_DATA_DIR"])
    assert lei(fresh_env, "run", "--wave", "2022").returncode == 0
    path = Settings.from_env(data_dir=data).methodology_path     # the methodology in force
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = raw["pillars"][0]["components"]
    first[0]["weight"], first[1]["weight"] = 0.7, 0.3          # a weight changed, the version kept
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (data / "catalog.sqlite").unlink()                          # the memory is in the snapshots themselves

    r = lei(fresh_env, "run", "--wave", "2022")
    out = r.stdout + r.stderr
    assert r.returncode != 0 and "Traceback" not in out
    assert f"{path.name}: its content changed but its version is still" in out and "raise `version`" in out
    assert complete_versions(data / "published", "2022") == [1]

    raw["version"] = "2.1.0"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    r = lei(fresh_env, "run", "--wave", "2022")
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    assert complete_versions(data / "published", "2022") == [1, 2]


@pytest.mark.slow
def test_a_wave_whose_previous_wave_is_not_published_yet_is_blocked(fresh_env):
    """Before: 2024 was published with an empty change table and every check passed."""
    data = Path(fresh_env["LEI_DATA_DIR"])
    r = lei(fresh_env, "run", "--wave", "2024")
    out = r.stdout + r.stderr
    assert r.returncode == 1 and "Traceback" not in out, out[-3000:]
    assert "FAIL check wave_change:previous_wave_ready" in out
    assert "previous wave 2022 has an export" in out and "lei run --wave 2022" in out
    assert complete_versions(data / "published", "2024") == []
