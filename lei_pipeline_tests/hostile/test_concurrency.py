"""Two `lei run` of the same wave at once, after the export changed: exactly one new version,
and a catalog that agrees with the files (one row per version, LATEST = the highest)."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd

from lei_pipeline.publish import list_snapshots
from lei_pipeline.publish.layout import complete_versions
from lei_pipeline.publish.pointer import latest_version
from lei_pipeline.settings import Settings

from lei_pipeline_tests.support.hostile_harness import WAVE
from lei_pipeline_tests.support.hostile_harness import make_env, make_home


def _change_one_answer(data) -> None:
    (export,) = [p for p in (data / "raw" / WAVE).iterdir() if p.suffix == ".csv"]
    df = pd.read_csv(export, dtype=str, keep_default_na=False)
    df.loc[0, "STR01"] = "N" if df.loc[0, "STR01"] == "Y" else "Y"
    df.to_csv(export, index=False, quoting=1)


def _start(env, cwd) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lei_pipeline", "run", "--wave", WAVE], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_runs_publishing_the_same_wave_make_one_version(published_project):
    root, data, env = published_project
    settings = Settings.from_env(data_dir=data)
    assert complete_versions(settings.published_dir, WAVE) == [1]
    _change_one_answer(data)
    # One Dagster home each: the point is the publish lock on the shared data/, not SQLite locking
    # of one Dagster instance (which a second test below exercises).
    env2 = make_env(data, make_home(root / "second"))
    procs = [_start(env, root / "cwd"), _start(env2, root / "cwd")]
    outs = [p.communicate(timeout=600)[0] for p in procs]

    for p, out in zip(procs, outs):
        assert "Traceback" not in out, out[-3000:]
        assert p.returncode == 0, out[-3000:]
    assert complete_versions(settings.published_dir, WAVE) == [1, 2], outs
    assert latest_version(settings.published_dir, WAVE) == 2
    snaps = list_snapshots(settings, wave=WAVE)
    assert sorted(snaps["version"]) == [1, 2]
    assert snaps.set_index("version")["latest"].to_dict() == {1: False, 2: True}
    assert sum("version 2 (unchanged" in o for o in outs) == 1, outs   # the loser found it published


def test_two_runs_sharing_one_dagster_home(published_project):
    root, data, env = published_project
    settings = Settings.from_env(data_dir=data)
    _change_one_answer(data)
    procs = [_start(env, root / "cwd"), _start(env, root / "cwd")]
    outs = [p.communicate(timeout=600)[0] for p in procs]

    for out in outs:
        assert "Traceback" not in out, out[-3000:]
    assert any(p.returncode == 0 for p in procs), outs
    assert complete_versions(settings.published_dir, WAVE) == [1, 2], outs
    assert latest_version(settings.published_dir, WAVE) == 2
    assert sorted(list_snapshots(settings, wave=WAVE)["version"]) == [1, 2]
