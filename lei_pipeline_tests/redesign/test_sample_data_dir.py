"""`lei sample --units N --out DIR` writes a data directory `lei run` publishes, and the registry
file is a setting: a registry may declare itself synthetic and its own counts in a file beside it,
while Serbia's registry keeps every check."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from lei_pipeline.cli.app import main
from lei_pipeline.errors import LeiError
from lei_pipeline.registry import load_registry
from lei_pipeline.settings import REPO_ROOT, Settings
from lei_pipeline_tests.support.lei_run import lei_run

SERBIA = REPO_ROOT / "data" / "reference" / "registry.csv"


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "data"
    assert main(["sample", "--units", "160", "--out", str(out), "--seed", "7"]) == 0
    return out


def test_sample_writes_a_complete_data_directory(sample_dir):
    for rel in ("questionnaire/lei-questionnaire.yaml", "methodology/lei-v2.yaml", "reference/registry.csv",
                "reference/registry.yaml", "reference/official-languages.csv", "waves.yaml",
                "raw/2024/lei-2024-bench.csv", "raw/2024/SYNTHETIC.md"):
        assert (sample_dir / rel).is_file(), rel
    rows = _rows(sample_dir / "reference" / "registry.csv")
    # Serbia's 175 rows byte for byte, then the 15 synthetic units beyond its 145 respondents
    assert (sample_dir / "reference" / "registry.csv").read_bytes().startswith(SERBIA.read_bytes())
    assert len(rows) == 175 + 15
    assert all(r["code"].startswith("S") and r["population_source"] == "synthetic" for r in rows[175:])
    answers = pd.read_csv(sample_dir / "raw" / "2024" / "lei-2024-bench.csv", dtype=str)
    assert len(answers) == 160
    assert "synthetic" in (sample_dir / "raw" / "2024" / "SYNTHETIC.md").read_text(encoding="utf-8")


def test_the_sample_registry_loads_and_covers_every_answering_unit(sample_dir):
    reg = load_registry(sample_dir / "reference" / "registry.csv")
    assert len(reg) == 190 and reg["respondent"].sum() == 160
    answers = pd.read_csv(sample_dir / "raw" / "2024" / "lei-2024-bench.csv", dtype=str)
    synthetic = set(reg.loc[reg["unit_code"].str.startswith("S"), "name_latin"])
    assert synthetic and synthetic <= set(answers["JLS"])


def test_same_seed_same_files(sample_dir, tmp_path):
    again = tmp_path / "again"
    assert main(["sample", "--units", "160", "--out", str(again), "--seed", "7"]) == 0
    for rel in ("reference/registry.csv", "reference/registry.yaml", "raw/2024/lei-2024-bench.csv", "waves.yaml"):
        assert (again / rel).read_bytes() == (sample_dir / rel).read_bytes(), rel


def test_sample_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "x").write_text("keep me", encoding="utf-8")
    assert main(["sample", "--units", "10", "--out", str(tmp_path)]) == 2
    assert (tmp_path / "x").read_text(encoding="utf-8") == "keep me"


@pytest.fixture(scope="module")
def published(sample_dir, tmp_path_factory) -> Path:
    """A copy of the sample directory after `lei run`."""
    root = tmp_path_factory.mktemp("published")
    data = root / "data"
    shutil.copytree(sample_dir, data)
    run = lei_run(data, root / "home")
    assert run.returncode == 0, run.stderr[-2000:]
    (root / "run.out").write_text(run.stdout, encoding="utf-8")
    return data


def test_lei_run_publishes_the_sample_directory(published):
    data = published
    scores = pq.read_table(next((data / "published" / "wave=2024").glob("version=*")) / "scores.parquet").to_pandas()
    assert len(scores) == 160
    assert scores["unit_code"].str.startswith("S").sum() == 15


def test_the_printed_analyst_command_loads_this_directory_from_a_plain_shell(published):
    out = (published.parent / "run.out").read_text(encoding="utf-8").splitlines()
    hint = next(line for line in out if line.startswith("analysts:")).removeprefix("analysts:").strip()
    assert "wave='2024'" in hint and f"LEI_DATA_DIR={published.resolve()}" in hint
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEI_")}   # as a new terminal has it
    r = subprocess.run(["bash", "-c", hint], capture_output=True, text=True, env=env, cwd=REPO_ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "[160 rows x" in r.stdout
    assert "note:      wave 2024: synthetic sample data, not real LEI results" in out


def test_the_summary_names_no_synthetic_data_and_no_load_when_nothing_real_was_published(tmp_path, capsys):
    from lei_pipeline.cli.run import _summary
    from lei_pipeline.defs.run_waves import WaveRun

    (tmp_path / "raw" / "2030").mkdir(parents=True)
    (tmp_path / "raw" / "2030" / "export.csv").write_text("id\n1\n", encoding="utf-8")
    _summary(Settings.from_env(data_dir=tmp_path), [WaveRun(wave="2030", success=False, run_id="r", seconds=1.0)])
    shown = capsys.readouterr().out
    assert "wave 2030: 0 local governments scored" in shown and "not published" in shown
    assert "analysts:" not in shown and "synthetic" not in shown


def test_serbian_registry_still_refuses_synthetic_codes(tmp_path):
    rows = _rows(SERBIA)
    ada = next(r for r in rows if r["name_latin"] == "Ada")
    rows.append({**ada, "code": "S000146", "name_latin": "Sintetička opština 000146",
                 "name_cyrillic": "Синтетичка општина 000146"})
    path = tmp_path / "registry.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(LeiError) as e:
        load_registry(path)
    assert "'S000146' is not a valid 5-digit statistical code" in str(e.value)
    assert "expected 117 units of type municipality, found 118" in str(e.value)
    # declared synthetic with its counts, the same file loads; the declaration must state the counts
    path.with_suffix(".yaml").write_text("synthetic: true\nexpected_counts: {capital_city: 1, city: 27, "
                                         "municipality: 117, city_municipality: 30}\n", encoding="utf-8")
    with pytest.raises(LeiError, match="expected 117 units of type municipality, found 118"):
        load_registry(path)
    path.with_suffix(".yaml").write_text("synthetic: true\nexpected_counts: {capital_city: 1, city: 27, "
                                         "municipality: 118, city_municipality: 30}\n", encoding="utf-8")
    assert "S000146" in set(load_registry(path)["unit_code"])
    # synthetic codes only: a bad statistical code is still refused in a synthetic registry
    rows[-1]["code"] = "80013"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(LeiError, match="'80013' is not a valid 5-digit statistical code"):
        load_registry(path)


def test_a_declaration_with_unknown_keys_is_refused(tmp_path):
    path = tmp_path / "registry.csv"
    shutil.copy(SERBIA, path)
    path.with_suffix(".yaml").write_text("synthetic: yes please\n", encoding="utf-8")
    with pytest.raises(LeiError, match="registry.yaml: expected synthetic"):
        load_registry(path)
    path.with_suffix(".yaml").write_text("check_digits: false\n", encoding="utf-8")
    with pytest.raises(LeiError, match="registry.yaml: expected synthetic"):
        load_registry(path)


def test_registry_file_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("LEI_REGISTRY_FILE", raising=False)
    assert Settings.from_env(data_dir=tmp_path).registry_path == tmp_path.resolve() / "reference" / "registry.csv"
    other = tmp_path / "elsewhere" / "registry-xk.csv"
    monkeypatch.setenv("LEI_REGISTRY_FILE", str(other))
    assert Settings.from_env(data_dir=tmp_path).registry_path == other.resolve()
    assert Settings.from_env(data_dir=tmp_path, registry_file=SERBIA).registry_path == SERBIA


def test_bare_reference_scores_equal_the_published_ones(published, tmp_path):
    from lei_pipeline_tests.benchmarks import bare_reference
    from lei_pipeline_tests.benchmarks.bench_pipeline import indicator_differences, score_differences

    data = published
    bare = bare_reference.score(data, "2024")
    assert bare.scores.height == 160
    bare.scores.write_parquet(tmp_path / "bare.parquet")
    assert score_differences(tmp_path / "bare.parquet", data / "published") == []  # (also the ranks)
    # every indicator value of every unit (Novi Sad's TRN07 included: the city has minority languages)
    bare.indicator_frame().write_parquet(tmp_path / "bare-indicators.parquet")
    assert indicator_differences(tmp_path / "bare-indicators.parquet", data / "published") == []
