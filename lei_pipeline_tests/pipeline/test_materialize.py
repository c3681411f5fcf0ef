"""The whole graph for the sample waves in a temporary instance, checked against an independent
reading of the methodology, and a wave with an invalid export that must not produce an index."""
import hashlib
import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from lei_pipeline.defs.definitions import WAVE_ASSETS, WAVE_CHECKS
from lei_pipeline.defs.io_manager import FrameIOManager
from lei_pipeline.defs.assets.sources import SOURCE_ASSETS
from lei_pipeline.publish import list_snapshots, load
from lei_pipeline.settings import Settings
from lei_pipeline_tests.support.independent_scoring import Spec, ranks, unit_scores
from lei_pipeline_tests.support.project_data import export_of

WAVES = ["2022", "2024", "2025"]
SCORE_COLUMNS = ["infrastructure", "human_resources", "service_quality", "citizen_involvement",
                 "key_enablers", "e_services", "lei"]


def _materialize(instance, resources, wave):
    return dg.materialize([*SOURCE_ASSETS, *WAVE_ASSETS, *WAVE_CHECKS], selection=WAVE_ASSETS, instance=instance,
                          partition_key=wave, resources=resources, raise_on_error=False)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """All sample waves materialised once for the module (about 20 s)."""
    from lei_pipeline.defs.resources import LeiSettings, SurveyInputs
    from lei_pipeline_tests.support.project_data import copy_data_dir

    data_dir = copy_data_dir(tmp_path_factory.mktemp("published") / "data")
    resources = {"lei": LeiSettings(data_dir=str(data_dir)), "survey_inputs": SurveyInputs(data_dir=str(data_dir)),
                 "io_manager": FrameIOManager()}
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wave", WAVES)
        results = {w: _materialize(instance, resources, w) for w in WAVES}
        yield results, Settings.from_env(data_dir=data_dir)


def test_every_sample_wave_materialises_and_publishes(published):
    results, settings = published
    for wave, res in results.items():
        assert res.success, wave
        evaluations = res.get_asset_check_evaluations()
        assert evaluations and all(e.passed for e in evaluations if e.check_name != "duplicates_resolved")
    snaps = list_snapshots(settings)
    assert sorted(snaps["wave"].astype(str)) == WAVES
    for wave in WAVES:
        scores = load("scores", wave=wave, settings=settings)
        assert 130 <= len(scores) <= 145 and scores["unit_code"].is_unique
        assert sorted(scores["rank"].dropna().tolist())[0] == 1
        # the effective weights are published with every snapshot and sum to the whole LEI
        weights = load("weights", wave=wave, settings=settings)
        assert abs(weights["share_of_lei"].sum() - 1) < 1e-9 and set(weights["indicator"]) == set(
            load("indicators", wave=wave, settings=settings)["indicator"])
        manifest = json.loads(next((settings.published_dir / f"wave={wave}").glob("version=*/manifest.json")).read_text())
        # The snapshot records the methodology it used: its hash, and a copy with those bytes.
        method_bytes = settings.methodology_path.read_bytes()
        assert manifest["methodology"]["sha256"] == hashlib.sha256(method_bytes).hexdigest()
        folder = settings.published_dir / f"wave={wave}" / f"version={manifest['version']}"
        assert (folder / manifest["methodology"]["file"]).read_bytes() == method_bytes
        assert manifest["notice"] == "synthetic sample data, not real LEI results"
        failed = [c for c in manifest["checks"] if not c.get("passed")]
        assert not failed and len(manifest["checks"]) >= 10
        # The GE suites ran once, in wave_change's quality check, on all four tables; the
        # snapshot took that report and the working copy is gone. Every suite passed, so no Data
        # Docs were built (they would have been removed with the report) and none is linked.
        gate = [e for e in results[wave].get_asset_check_evaluations() if e.check_name == "quality_suites"]
        assert [e.asset_key.path[-1] for e in gate] == ["wave_change"]
        assert gate[0].passed and "data_docs" not in gate[0].metadata
        assert gate[0].metadata["suites_seconds"].value > 0   # how long GE took, shown in the UI
        suites = {c["name"] for c in manifest["checks"] if c["source"] == "great_expectations"}
        assert "change_consistent" in suites and manifest["data_docs"] is None
        assert not (folder / "data_docs").exists()
        # report, workbook and datapackage published with the snapshot, listed with their hashes
        assert set(manifest["reading"]["files"]) == {"report.html", "workbook.xlsx", "datapackage.json"}
        assert manifest["units_expected"]["total"] == 145
    assert not any((settings.work_dir / "quality").iterdir()), "every report was taken and removed"
    # Every wave asset handed its frame on as an Arrow file (none fell back to pickling).
    for asset in ("raw_responses", "clean_responses", "indicators", "composite_index", "wave_change"):
        mat = results["2024"].asset_materializations_for_node(asset)[0]
        assert mat.metadata["storage_format"].value == "arrow", asset
    # The UI's column schema describes every scores column, components and pillars included.
    scores_schema = results["2024"].asset_materializations_for_node("composite_index")[0].metadata["dagster/column_schema"]
    undescribed = [c.name for c in scores_schema.value.columns if not c.description]
    assert undescribed == []


def test_every_published_field_has_a_description(published):
    """Parquet field metadata b"description" on every column of every published table, read back
    with pyarrow; component and pillar columns carry the methodology's names."""
    import pyarrow.parquet as pq
    import yaml

    _, settings = published
    methodology = yaml.safe_load(settings.methodology_path.read_text(encoding="utf-8"))
    nodes = [*methodology["pillars"], *(c for p in methodology["pillars"] for c in p["components"])]
    english = {n["code"]: n["name"]["en"] for n in nodes}
    files = sorted(settings.published_dir.glob("wave=*/version=*/*.parquet"))
    assert {f.stem for f in files} >= {"responses", "indicators", "scores", "change", "weights", "uncertainty"}
    for file in files:
        schema = pq.read_schema(file)
        bare = [f.name for f in schema if not (f.metadata or {}).get(b"description", b"").strip()]
        assert bare == [], f"{file.parent.parent.name}/{file.name}: no description for {bare}"
        if file.stem in ("scores", "change"):
            for code, name in english.items():
                assert name in schema.field(code).metadata[b"description"].decode("utf-8"), (file, code)
    # The UI's column schema of the change table describes its component and pillar columns too.
    results, _ = published
    change = results["2025"].asset_materializations_for_node("wave_change")[0].metadata["dagster/column_schema"]
    assert [c.name for c in change.value.columns if not c.description] == []


@pytest.mark.parametrize("wave", ["2022", "2024"])
def test_index_values_match_an_independent_reading_of_the_methodology(published, wave):
    _, settings = published
    responses = load("responses", wave=wave, settings=settings)
    scores = load("scores", wave=wave, settings=settings).set_index("unit_code")
    indicators = load("indicators", wave=wave, settings=settings)
    best = scores["rank"].idxmin()
    municipality = scores[scores["unit_type"] == "municipality"]["lei"].sort_values().index[len(scores) // 4]
    spec = Spec(settings.data_dir, settings.methodology_path)
    unranked = scores.index[~scores["ranked"]].tolist()
    expected_all = {}
    for unit in scores.index:
        row = responses[responses["unit_code"] == unit].iloc[0].to_dict()
        expected_all[unit] = unit_scores(spec, row, wave)
    for unit in ({best, municipality, "X-BEOGRAD"} | set(unranked[:2])) & set(scores.index):
        expected = expected_all[unit]
        got = indicators[indicators["unit_code"] == unit].set_index("indicator")["value"]
        for code, value in expected["indicators"].items():
            assert got[code] == pytest.approx(value, rel=1e-9, abs=1e-9, nan_ok=True), (unit, code)
        for col in SCORE_COLUMNS:
            assert scores.loc[unit, col] == pytest.approx(expected[col], rel=1e-9, nan_ok=True), (unit, col)
        assert bool(scores.loc[unit, "ranked"]) == expected["ranked"]
        if expected["ranked"]:
            assert scores.loc[unit, "category"] == expected["category"]
        else:
            assert pd.isna(scores.loc[unit, "category"]) and pd.isna(scores.loc[unit, "rank"])
    # every rank: competition ranks of the eligible units' scores rounded to one decimal
    assert scores["rank"].dropna().astype(int).to_dict() == ranks({u: e["rank_score"] for u, e in expected_all.items()})


def test_wave_change_compares_with_the_previous_published_wave(published):
    """Every unit in both waves, with lei, pillars and components over the indicators both waves
    share, checked against the independent reading of the methodology restricted to them."""
    _, settings = published
    change = load("change", wave="2024", settings=settings).set_index("unit_code")
    s22 = load("scores", wave="2022", settings=settings).set_index("unit_code")
    s24 = load("scores", wave="2024", settings=settings).set_index("unit_code")
    both = sorted(set(s22.index) & set(s24.index))
    assert sorted(change.index) == both and len(both) > 100
    assert set(change["previous_wave"].astype(str)) == {"2022"}

    def present(wave):
        ind = load("indicators", wave=wave, settings=settings)
        return set(ind.loc[ind["value"].notna(), "indicator"])

    shared = present("2022") & present("2024")
    assert shared != present("2024") or shared != present("2022")   # the sample's questionnaire changed
    assert set(change["indicators_compared"]) == {len(shared)}
    manifest_version = json.loads(next((settings.published_dir / "wave=2024").glob("version=*/manifest.json"))
                                  .read_text())["methodology"]["version"]
    assert set(change["methodology_version"]) == set(change["previous_methodology_version"]) == {manifest_version}
    assert change["comparable"].all()
    r22, r24 = (load("responses", wave=w, settings=settings).set_index("unit_code") for w in ("2022", "2024"))
    spec = Spec(settings.data_dir, settings.methodology_path)
    for unit in [both[0], both[len(both) // 2], both[-1]]:
        now = unit_scores(spec, {"unit_code": unit, **r24.loc[unit].to_dict()}, "2024", only=shared)
        before = unit_scores(spec, {"unit_code": unit, **r22.loc[unit].to_dict()}, "2022", only=shared)
        for col in SCORE_COLUMNS:
            assert change.loc[unit, col] == pytest.approx(now[col], rel=1e-9), (unit, col)
            assert change.loc[unit, f"{col}_previous"] == pytest.approx(before[col], rel=1e-9), (unit, col)
            assert change.loc[unit, f"{col}_change"] == pytest.approx(now[col] - before[col], rel=1e-9, abs=1e-9)
        assert change.loc[unit, "unit_name"] == s24.loc[unit, "unit_name"]
    ranked = change.dropna(subset=["rank", "rank_previous"])   # units without a rank in a wave have no rank change
    assert len(ranked) > 100 and change.loc[change["rank"].isna() | change["rank_previous"].isna(), "rank_change"].isna().all()
    assert ranked["rank_change"].astype(int).equals(ranked["rank_previous"].astype(int) - ranked["rank"].astype(int))


def test_invalid_export_fails_its_blocking_check_and_produces_no_index(instance, resources, data_dir):
    export = export_of(data_dir, "2022")
    text = export.read_text(encoding="utf-8")
    header = text.splitlines()[0].split(",")
    col = next(i for i, h in enumerate(header) if h.strip('"') == "STR03")
    lines = text.splitlines()
    cells = lines[1].split(",")
    cells[col] = '"A9"'                      # not an answer option of STR03
    lines[1] = ",".join(cells)
    (data_dir / "raw" / "bad").mkdir()
    (data_dir / "raw" / "bad" / export.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    instance.add_dynamic_partitions("wave", ["bad"])

    res = _materialize(instance, resources, "bad")
    assert not res.success
    failed = {e.check_name for e in res.get_asset_check_evaluations() if not e.passed}
    assert "answers_valid" in failed
    evaluation = next(e for e in res.get_asset_check_evaluations() if e.check_name == "answers_valid")
    assert "STR03" in evaluation.metadata["first_error"].value and "row 2" in evaluation.metadata["first_error"].value
    materialised = {m.asset_key.to_user_string() for m in res.get_asset_materialization_events()}
    assert "clean_responses" in materialised          # a failed blocking check leaves its asset materialised
    assert not {"composite_index", "published_snapshot"} & materialised
    assert not (data_dir / "published" / "wave=bad").exists()


def test_a_failed_quality_suite_blocks_the_publish_and_links_its_data_docs(instance, resources, data_dir, monkeypatch):
    # Every table the pipeline makes is consistent, so one suite is made strict instead: with a
    # negative tolerance no weight group can sum to 1. The check fails (blocking), its Data Docs
    # are built and stay in the run's folder, and nothing is published.
    from lei_pipeline.publish import quality

    monkeypatch.setattr(quality, "WEIGHT_TOLERANCE", -1.0)
    instance.add_dynamic_partitions("wave", ["2022"])
    res = _materialize(instance, resources, "2022")
    gate = next(e for e in res.get_asset_check_evaluations() if e.check_name == "quality_suites")
    assert not gate.passed
    docs = gate.metadata["data_docs"].value
    assert docs.endswith("index.html") and (data_dir / "work" / "quality") in Path(docs).parents
    assert Path(docs).is_file() and list((Path(docs).parent / "validations").rglob("*.html"))
    materialised = {m.asset_key.to_user_string() for m in res.get_asset_materialization_events()}
    assert "wave_change" in materialised and "published_snapshot" not in materialised
    assert not (data_dir / "published" / "wave=2022").exists()
