"""The Great Expectations Data Docs written into a snapshot, opened in a real browser."""
from pathlib import Path

from lei_pipeline.publish import publish_snapshot
from lei_pipeline_tests.publish.sample import build_tables, provenance
from lei_pipeline_tests.support.browser import chromium_page


def test_snapshot_data_docs_render_every_suite(settings, methodology):
    tables = build_tables("2024")
    # A hostile name must come out as text, never as markup that runs.
    tables["responses"].loc[0, "unit_name"] = "<script>alert('x')</script>"
    result = publish_snapshot(settings, "2024", tables, provenance(methodology))
    docs = Path(result.path) / "data_docs"
    pages = sorted((docs / "validations").rglob("*.html"))
    suites = {p.parts[len(docs.parts) + 1] for p in pages}
    assert {"scores_ranges_and_ranks", "responses_one_row_per_unit", "weights_sum_to_one"} <= suites

    with chromium_page() as page:
        scores_page = next(p for p in pages if "scores_ranges_and_ranks" in str(p))
        page.goto(scores_page.resolve().as_uri())
        page.wait_for_load_state("load")
        text = page.inner_text("body")
        assert "scores_ranges_and_ranks" in text
        assert "greater than or equal to" in text   # expectations are rendered, not just a shell
        assert "Expectation Validation Result" in text
        assert page.dialogs == []
        page.goto((docs / "index.html").resolve().as_uri())
        page.wait_for_load_state("load")
        assert page.title()
        assert page.dialogs == []
