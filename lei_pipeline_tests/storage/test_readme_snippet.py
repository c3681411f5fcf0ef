"""The README's DuckDB snippet runs as written against a bucket and reads the latest version of
every wave, nothing else."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from lei_pipeline.publish import publish_snapshot
from lei_pipeline_tests.support.sample_tables import build_tables, provenance

README = Path(__file__).resolve().parents[2] / "README.md"
MARKER = "<!-- bucket-snippet"


def readme_snippet() -> str:
    text = README.read_text(encoding="utf-8")
    after = text[text.index(MARKER):]
    return re.search(r"```python\n(.*?)```", after, re.S).group(1)


def test_readme_duckdb_snippet_reads_the_latest_versions_from_the_bucket(settings, methodology, tmp_path):
    publish_snapshot(settings, "2022", build_tables("2022", variant=0), provenance(methodology), quality=False)
    publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    publish_snapshot(settings, "2024", build_tables("2024", variant=1), provenance(methodology), quality=False)
    script = tmp_path / "snippet.py"
    script.write_text(readme_snippet())
    r = subprocess.run([sys.executable, str(script)], env=dict(os.environ), cwd=tmp_path, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = [line.strip("│ ").split("│") for line in r.stdout.splitlines() if re.match(r"│\s*20\d\d", line)]
    got = [(cells[0].strip(), int(cells[1]), int(cells[2])) for cells in rows]
    units = len(build_tables("2024", variant=1)["scores"])
    assert got == [("2022", 1, units), ("2024", 2, units)], r.stdout
