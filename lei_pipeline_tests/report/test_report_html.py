"""The wave report as bytes: self-contained, escaped, deterministic, listed in the manifest."""
from __future__ import annotations

import base64
import gzip
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
    assert "Plotly.newPlot" in page
    # plotly.js is inlined once, gzip-compressed: it inflates to the library itself
    packed = re.findall(r'<script type="application/gzip;base64" id="lei-plotly">([^<]*)</script>', page)
    assert len(packed) == 1
    script = gzip.decompress(base64.b64decode(packed[0])).decode("utf-8")
    assert script.lstrip().startswith("/**") and "plotly.js v" in script[:300] and len(script) > 3_000_000
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


def _moved_criteria(now_dir, before_dir):
    """(unit_code, indicator, before, now) of every criterion whose value changed, read from the
    two snapshots' Parquet files directly."""
    now = pd.read_parquet(now_dir / "indicators.parquet")
    before = pd.read_parquet(before_dir / "indicators.parquet")
    both = now.merge(before, on=["unit_code", "indicator"], suffixes=("", "_before"))
    return both[(both["value"] - both["value_before"]).abs() > 0]


def _article(page: str, code: str) -> str:
    article = page[page.index(f'<article id="{unit_anchor(code)}"'):]
    return article[:article.index("</article>")]


def test_manifest_pins_the_snapshot_the_change_was_computed_against(published):
    _, results = published
    first = json.loads((results["2022"].path / "manifest.json").read_text())
    second = json.loads((results["2024"].path / "manifest.json").read_text())
    assert first["previous"] is None   # the first declared wave compares with nothing
    assert second["previous"] == {"wave": "2022", "version": results["2022"].version}


def test_profile_lists_criteria_newly_met_and_no_longer_met_with_points(published, snapshot_2024):
    from lei_pipeline.methodology import effective_weights

    settings, results = published
    page = (snapshot_2024 / "report.html").read_text(encoding="utf-8")   # as published
    moved = _moved_criteria(snapshot_2024, results["2022"].path)
    weight = effective_weights(load_snapshot(snapshot_2024).methodology).set_index("indicator")["share_of_lei"]
    for status, rows in (("newly_meets", moved[(moved["value"] == 100) & (moved["value_before"] < 100)]),
                         ("no_longer_meets", moved[(moved["value"] < 100) & (moved["value_before"] == 100)])):
        assert len(rows), status   # the sample waves have both kinds
        r = rows.iloc[0]
        article = _article(page, r["unit_code"])
        table = article[article.index(f'<table class="criteria {status}">'):]
        table = table[:table.index("</table>")]
        if f'({r["indicator"]})' not in table:   # beyond the first rows: in the folded part
            rest = article[article.index(f'<table class="criteria {status}">', article.index(table) + 1):]
            table = rest[:rest.index("</table>")]
        points = (r["value"] - r["value_before"]) * weight[r["indicator"]]
        assert (f'({r["indicator"]})</small></td><td class="n">{r["value_before"]:.1f} → {r["value"]:.1f}</td>'
                f'<td class="n">{"+" if points > 0 else ""}{points:.2f}</td>') in table, (status, r.to_dict())


def test_criteria_change_reads_the_pinned_version_never_the_latest(published, tmp_path):
    """A later version of the previous wave (here: every criterion raised to 100) changes nothing
    in the rebuilt report: it reads the version pinned in the manifest."""
    import shutil

    from lei_pipeline.files import file_sha256
    from lei_pipeline.report import rebuild

    settings, results = published
    pub = tmp_path / "published"
    shutil.copytree(settings.published_dir, pub)
    v = results["2022"].version
    later = pub / "wave=2022" / f"version={v + 1}"
    shutil.copytree(pub / "wave=2022" / f"version={v}", later)
    ind = pd.read_parquet(later / "indicators.parquet")
    ind["value"] = 100.0
    ind.to_parquet(later / "indicators.parquet")
    manifest = json.loads((later / "manifest.json").read_text())
    manifest["version"] = v + 1
    manifest["tables"]["indicators"]["sha256"] = file_sha256(later / "indicators.parquet")
    (later / "manifest.json").write_text(json.dumps(manifest))
    (pub / "wave=2022" / "LATEST").write_text(str(v + 1))
    records = rebuild(pub / "wave=2024" / f"version={results['2024'].version}", tmp_path / "out")
    assert [r["matches"] for r in records] == [True, True, True]
    # without the pinned snapshot the profile says so instead of comparing with another one
    shutil.rmtree(pub / "wave=2022" / f"version={v}")
    data = load_snapshot(pub / "wave=2024" / f"version={results['2024'].version}", published_dir=pub)
    assert data.previous_indicators is None
    assert f"snapshot 2022 v{v} is not at hand" in build_report(data).decode("utf-8")


def test_quality_section_lists_duplicate_decisions(published):
    """2022's export holds two submissions from Kula and from Ivanjica: the snapshot records which
    spreadsheet row was kept and which was dropped, and the report shows it."""
    import csv

    from lei_pipeline_tests.support.project_data import export_of

    settings, results = published
    folder = results["2022"].path
    export = export_of(settings.data_dir, "2022")
    with open(export, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    by_name: dict[str, list[int]] = {}
    for i, r in enumerate(rows, start=2):   # spreadsheet row: header = 1
        by_name.setdefault(r["JLS"], []).append(i)
    twice = {n: sorted(v) for n, v in by_name.items() if len(v) > 1}
    assert set(twice) >= {"Kula", "Ivanjica"}
    decisions = json.loads((folder / "manifest.json").read_text())["duplicate_decisions"]
    scores = pd.read_parquet(folder / "scores.parquet").set_index("unit_code")["unit_name"]
    named = {scores[d["unit_code"]]: d for d in decisions}
    assert set(named) == set(twice)
    page = (folder / "report.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="quality"'):]
    section = section[:section.index("</section>")]
    for name, spreadsheet_rows in twice.items():
        d = named[name]
        assert sorted([d["kept_row"], *map(int, d["dropped_rows"].split(", "))]) == spreadsheet_rows
        assert d["source_file"] == export.name and d["reason"]
        assert (f'{name}</a> <small>({d["unit_code"]})</small></td><td class="n">{d["kept_row"]}</td>'
                f'<td>{d["dropped_rows"]}</td>') in section
