"""publish_snapshot end to end on a real catalog (SQLite and PostgreSQL via the catalog_url fixture)."""
from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.publish import list_snapshots, load, publish_snapshot
from lei_pipeline.publish.manifest import SYNTHETIC_NOTICE
from lei_pipeline_tests.support.sample_tables import build_tables, provenance
from lei_pipeline_tests.support.snapshot_state import fingerprint, staging_entries


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_writes_manifest_matching_files_and_catalog(settings, methodology):
    tables = build_tables("2024")
    r = publish_snapshot(settings, "2024", tables, provenance(methodology, run_id="run-1"))
    assert (r.version, r.unchanged) == (1, False)
    assert r.path == settings.published_dir / "wave=2024" / "version=1"
    m = json.loads((r.path / "manifest.json").read_text())
    assert set(m["tables"]) == {"responses", "indicators", "scores", "change"}
    for name, entry in m["tables"].items():
        f = r.path / entry["file"]
        assert sha(f) == entry["sha256"]
        assert entry["rows"] == len(tables[name])
        assert [c["name"] for c in entry["schema"]] == list(tables[name].columns)
    assert (r.path / "methodology.yaml").read_bytes() == methodology.read_bytes()
    assert m["methodology"]["sha256"] == sha(methodology) == m["methodology"]["sha256"]
    assert m["methodology"]["version"] == "1.0.0" and m["questionnaire_version"] == "1.0.0"
    assert m["notice"] == SYNTHETIC_NOTICE and m["run_id"] == "run-1"
    assert m["code_version"].startswith("0.") or m["code_version"]
    names = {c["name"] for c in m["checks"]}
    assert {"clean_schema", "scores_ranges_and_ranks", "weights_sum_to_one"} <= names
    assert m["checks_failed"] == [] and set(m["checks_passed"]) == names
    # GE's results as JSON, not its CDN-dependent Data Docs; the reading files listed with their hashes
    assert not (r.path / "data_docs").exists() and m["data_docs"] is None
    assert json.loads((r.path / "quality_results.json").read_text())["suites"]
    assert {n: sha(r.path / n) for n in m["reading"]["files"]} == \
        {n: e["sha256"] for n, e in m["reading"]["files"].items()} and "report.html" in m["reading"]["files"]
    assert (settings.published_dir / "wave=2024" / "LATEST").read_text().strip() == "1"
    assert staging_entries(settings) == []

    snaps = list_snapshots(settings)
    assert snaps[["wave", "version", "latest"]].values.tolist() == [["2024", 1, True]]
    row = snaps.iloc[0]
    assert row["row_counts"] == {n: len(t) for n, t in tables.items()}
    assert row["manifest_sha256"] == sha(r.path / "manifest.json")
    assert row["checks_passed"] == len(names) and row["checks_failed"] == 0
    assert row["notice"] == SYNTHETIC_NOTICE

    scores = load("scores", wave="2024", settings=settings)
    pd.testing.assert_frame_equal(scores, tables["scores"].reset_index(drop=True))
    pd.testing.assert_frame_equal(load("responses", wave="2024", version=1, settings=settings), tables["responses"])


def test_identical_republish_is_unchanged_and_creates_nothing(settings, methodology):
    first = publish_snapshot(settings, "2024", build_tables("2024"), provenance(methodology), quality=False)
    before = fingerprint(settings)
    again = publish_snapshot(settings, "2024", build_tables("2024"), provenance(methodology, run_id="other"))
    assert again.unchanged and again.version == first.version == 1
    assert fingerprint(settings) == before
    assert staging_entries(settings) == []


def test_pinned_version_loads_same_bytes_after_newer_publish(settings, methodology):
    v1 = publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    pinned_bytes = (v1.path / "scores.parquet").read_bytes()
    pinned = load("scores", wave="2024", version=1, settings=settings)
    v2 = publish_snapshot(settings, "2024", build_tables("2024", variant=1), provenance(methodology), quality=False)
    assert (v2.version, v2.unchanged) == (2, False)
    assert (v1.path / "scores.parquet").read_bytes() == pinned_bytes
    pd.testing.assert_frame_equal(load("scores", wave="2024", version=1, settings=settings), pinned)
    pd.testing.assert_frame_equal(load("scores", wave="2024", version="1", settings=settings), pinned)
    latest = load("scores", wave="2024", settings=settings)
    assert not latest["lei"].equals(pinned["lei"])
    snaps = list_snapshots(settings)
    assert snaps[["version", "latest"]].values.tolist() == [[1, False], [2, True]]


def test_waves_are_independent(settings, methodology):
    publish_snapshot(settings, "2022", build_tables("2022"), provenance(methodology), quality=False)
    r = publish_snapshot(settings, "2024", build_tables("2024"), provenance(methodology), quality=False)
    assert r.version == 1
    assert sorted(list_snapshots(settings)["wave"]) == ["2022", "2024"]
    assert load("scores", wave="2022", settings=settings)["wave"].unique().tolist() == ["2022"]


@pytest.mark.parametrize("breakage", ["lei_out_of_range", "duplicate_unit", "wrong_rank", "weights"])
def test_failed_quality_suite_blocks_publishing(settings, methodology, breakage):
    publish_snapshot(settings, "2024", build_tables("2024"), provenance(methodology), quality=False)
    before = fingerprint(settings)
    tables = build_tables("2024", variant=5)
    prov = provenance(methodology)
    if breakage == "lei_out_of_range":
        tables["scores"].loc[0, "lei"] = 120.0
        expected = "expect_column_values_to_be_between"
    elif breakage == "duplicate_unit":
        tables["scores"].loc[1, "unit_code"] = tables["scores"].loc[0, "unit_code"]
        expected = "expect_column_values_to_be_unique"
    elif breakage == "wrong_rank":
        s = tables["scores"]
        s.loc[s["rank"] == 1, "rank"] = 2
        expected = "expect_column_pair_values_to_be_equal"
    else:
        prov["weights"] = {"infrastructure": 0.5, "services": 0.35, "transparency": 0.25}
        expected = "weights_sum_to_one"
    with pytest.raises(LeiError, match="not published, quality suites failed") as e:
        publish_snapshot(settings, "2024", tables, prov)
    assert expected in str(e.value)
    assert fingerprint(settings) == before
    assert staging_entries(settings) == []
    assert list_snapshots(settings)["version"].tolist() == [1]


def test_methodology_changed_since_run_is_refused(settings, methodology):
    prov = provenance(methodology)
    methodology.write_text(methodology.read_text() + "# edited\n")
    with pytest.raises(LeiError, match="changed since the run"):
        publish_snapshot(settings, "2024", build_tables("2024"), prov, quality=False)
    assert not (settings.published_dir / "wave=2024").exists()


def test_new_methodology_with_same_tables_is_a_new_version(settings, methodology):
    publish_snapshot(settings, "2024", build_tables("2024"), provenance(methodology), quality=False)
    methodology.write_text(methodology.read_text().replace('version: "1.0.0"', 'version: "1.0.1"'))
    r = publish_snapshot(settings, "2024", build_tables("2024"), provenance(methodology), quality=False)
    assert (r.version, r.unchanged) == (2, False)
    assert (r.path / "methodology.yaml").read_text() == methodology.read_text()


def test_catalog_row_missing_after_crash_is_recorded_by_next_publish(settings, methodology):
    """A publish that died after its rename (snapshot visible, no pointer, no catalog row) is
    completed by the next publish of the wave."""
    import shutil

    r1 = publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    wdir = settings.published_dir / "wave=2024"
    shutil.copytree(r1.path, wdir / "version=2")  # what a rename without pointer/catalog leaves
    m = json.loads((wdir / "version=2" / "manifest.json").read_text())
    (wdir / "version=2" / "manifest.json").write_text(json.dumps(dict(m, version=2)))
    r3 = publish_snapshot(settings, "2024", build_tables("2024", variant=3), provenance(methodology), quality=False)
    assert r3.version == 3
    assert list_snapshots(settings)["version"].tolist() == [1, 2, 3]
    assert (wdir / "LATEST").read_text().strip() == "3"
