"""The wave report as bytes: self-contained, escaped, deterministic, listed in the manifest."""
from __future__ import annotations

import json
import re

import pandas as pd

from lei_pipeline.files import file_sha256
from lei_pipeline.report import build_artifacts, load_snapshot
from lei_pipeline.report.html import build_report, unit_anchor
from lei_pipeline_tests.support.snapshots import HOSTILE_ANSWER, HOSTILE_NAME


def test_published_snapshot_lists_reading_files_with_their_hashes(snapshot_2024):
    manifest = json.loads((snapshot_2024 / "manifest.json").read_text())
    files = manifest["reading"]["files"]
    assert set(files) == {"report.html", "workbook.xlsx", "datapackage.json"}
    for name, entry in files.items():
        assert file_sha256(snapshot_2024 / name) == entry["sha256"]
    assert (snapshot_2024 / "questionnaire.yaml").is_file()
    assert not (snapshot_2024 / "data_docs").exists()   # CDN-dependent GE pages are not shipped


def test_rebuild_gives_the_published_bytes(snapshot_2024):
    again = build_artifacts(load_snapshot(snapshot_2024))
    for name, body in again.items():
        assert body == (snapshot_2024 / name).read_bytes(), name


def test_report_is_self_contained_and_escapes_data(snapshot_2024):
    page = (snapshot_2024 / "report.html").read_text(encoding="utf-8")
    # nothing to fetch: no external script, stylesheet, image or frame
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)
    assert "Plotly.newPlot" in page and "plotly.js" in page[:200_000]
    # the hostile name and answer never reach the page as markup
    assert "<script>alert(" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;Zla" in page
    assert HOSTILE_NAME not in page
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;Opština&quot;)" in page   # as text


def test_report_shows_the_synthetic_notice_and_every_profile(snapshot_2024):
    data = load_snapshot(snapshot_2024)
    page = build_report(data).decode("utf-8")
    assert data.manifest["notice"] and 'id="notice"' in page
    scores = data.tables["scores"]
    for code in scores["unit_code"]:
        assert f'<article id="{unit_anchor(code)}"' in page
    assert page.count('class="card"') > len(scores)   # action cards: most units miss several criteria


def test_action_card_points_match_the_engine(snapshot_2024):
    """The points a card promises equal the LEI the methodology's own composition gives when
    that one criterion is raised to 100 (independent of the report's weight arithmetic)."""
    from lei_pipeline.methodology import compose_index
    from lei_pipeline.report.weights import criterion_gains

    data = load_snapshot(snapshot_2024)
    ind, scores = data.tables["indicators"], data.tables["scores"]
    gains = criterion_gains(data.methodology, ind)
    registry = scores[["unit_code", "unit_name", "unit_type"]].rename(columns={"unit_name": "name_latin"})
    for _, g in gains.sort_values("gain", ascending=False).head(3).iterrows():
        raised = ind.copy()
        hit = (raised["unit_code"] == g["unit_code"]) & (raised["indicator"] == g["indicator"])
        raised.loc[hit, "value"] = 100.0
        after = compose_index(raised, registry, data.methodology).set_index("unit_code")["lei"]
        before = scores.set_index("unit_code")["lei"]
        assert abs(after[g["unit_code"]] - before[g["unit_code"]] - g["gain"]) < 1e-9


def test_report_degrades_without_optional_tables(snapshot_2024):
    data = load_snapshot(snapshot_2024)
    page = build_report(data).decode("utf-8")
    assert "Not available for this snapshot: the uncertainty table was not published." in page
    # with an uncertainty table, rank intervals and category probabilities appear
    s = data.tables["scores"]
    data.tables["uncertainty"] = pd.DataFrame({
        "unit_code": s["unit_code"], "nominal_rank": s["rank"].astype("float64"),
        "median_rank": s["rank"].astype("float64"), "rank_p05": (s["rank"] - 2).clip(lower=1).astype("float64"),
        "rank_p95": (s["rank"] + 3).astype("float64"), "score_p05": s["lei"] - 1.5, "score_p95": s["lei"] + 1.5,
        "category_probability": 0.75})
    page = build_report(data).decode("utf-8")
    assert "uncertainty table was not published" not in page
    assert "75%" in page and "xaxis2" in page


def test_report_bytes_do_not_depend_on_when_they_are_built(snapshot_2024):
    data = load_snapshot(snapshot_2024)
    assert build_report(data) == build_report(load_snapshot(snapshot_2024))
    assert HOSTILE_ANSWER not in build_report(data).decode("utf-8")


def test_change_through_criteria_when_the_previous_version_is_pinned(published, snapshot_2024):
    settings, results = published
    page = build_report(load_snapshot(snapshot_2024)).decode("utf-8")
    assert "does not name the previous wave&#x27;s version" in page   # today's change table pins none
    manifest = json.loads((snapshot_2024 / "manifest.json").read_text())
    manifest["previous"] = {"wave": "2022", "version": results["2022"].version}
    data = load_snapshot(snapshot_2024, manifest, published_dir=settings.published_dir)
    page = build_report(data).decode("utf-8")
    now = pd.read_parquet(snapshot_2024 / "indicators.parquet")
    before = pd.read_parquet(results["2022"].path / "indicators.parquet")
    both = now.merge(before, on=["unit_code", "indicator"], suffixes=("", "_before"))
    moved = both[(both["value"] - both["value_before"]).abs() > 0].iloc[0]
    article = page[page.index(f'<article id="{unit_anchor(moved["unit_code"])}"'):]
    article = article[:article.index("</article>")]
    assert "Through criteria" in article
    assert f'({moved["indicator"]})</small></td><td class="n">{moved["value_before"]:.1f} → {moved["value"]:.1f}' in article
