"""The report opened from disk in headless Chromium with the network blocked."""
from __future__ import annotations

import pandas as pd

from lei_pipeline.report import load_snapshot
from lei_pipeline.report.html import unit_anchor
from lei_pipeline_tests.support.browser import chromium_page
from lei_pipeline_tests.support.snapshots import HOSTILE_FORMULA, HOSTILE_NAME


def test_report_in_a_browser(published, snapshot_2024, tmp_path):
    scores = load_snapshot(snapshot_2024).tables["scores"]
    now = pd.read_parquet(snapshot_2024 / "indicators.parquet")
    before = pd.read_parquet(published[1]["2022"].path / "indicators.parquet")
    both = now.merge(before, on=["unit_code", "indicator"], suffixes=("", "_before"))
    # the unit with most criteria newly met since 2022, and its first (largest) one
    newly = both[(both["value"] == 100) & (both["value_before"] < 100)]
    mover = newly["unit_code"].value_counts().sort_index().idxmax()
    victim = scores.loc[scores["unit_name"] == HOSTILE_NAME, "unit_code"].iloc[0]
    other = scores.sort_values("rank").iloc[-1]
    with chromium_page() as page:
        errors, outside = [], []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))

        def only_files(route):
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_files)
        page.goto((snapshot_2024 / "report.html").resolve().as_uri())
        page.wait_for_selector("#chart-ranking .main-svg")
        page.wait_for_selector("#chart-components .main-svg")
        assert page.locator("#chart-ranking .bars .point").count() == len(scores)
        assert page.locator("#ranking h2 .l-sr").is_visible()
        assert page.locator("#ranking h2 .l-sr").inner_text() == "Rang lista"

        page.click("#lang-en")
        assert page.locator("#ranking h2 .l-en").inner_text() == "Ranking"
        assert page.locator("#ranking h2 .l-en").is_visible() and not page.locator("#ranking h2 .l-sr").is_visible()
        legend = page.eval_on_selector_all("#chart-type .xtick text", "els => els.map(e => e.textContent)")
        assert "municipality" in legend and "opština" not in legend

        anchor = unit_anchor(other["unit_code"])
        page.goto((snapshot_2024 / "report.html").resolve().as_uri() + f"#{anchor}")
        profile = page.locator(f"#{anchor}")
        profile.wait_for()
        assert str(other["unit_name"]) in profile.locator("h2").inner_text()
        assert profile.locator(".card").count() >= 1
        text = page.locator(f"#{unit_anchor(victim)} h2").inner_text()
        assert HOSTILE_NAME in text   # shown as text, not run
        assert HOSTILE_FORMULA in page.locator(f"#{anchor} h2").inner_text()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=False)

        # what changed since 2022, and through which criteria
        page.goto((snapshot_2024 / "report.html").resolve().as_uri() + f"#{unit_anchor(mover)}")
        met = page.locator(f"#{unit_anchor(mover)} table.criteria.newly_meets").first
        met.wait_for()
        assert met.is_visible()
        assert "Criteria newly met" in met.locator("th").first.inner_text()   # still in English
        assert "→ 100.0" in met.inner_text()
        # the criterion's wording, filled in from the page's catalogue, in the language chosen
        wording = met.locator("span.crit .l-en").first
        assert wording.is_visible() and len(wording.inner_text()) > 10
        shown = " ".join(page.locator(f"#{unit_anchor(mover)} table.criteria.newly_meets").all_text_contents())
        assert all(f"({code})" in shown for code in newly.loc[newly["unit_code"] == mover, "indicator"])
        page.screenshot(path=str(tmp_path / "profile.png"), full_page=False)
        assert page.dialogs == [] and page.page_errors == [] and errors == [] and outside == []
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert (tmp_path / "profile.png").stat().st_size > 10_000
