"""`lei snapshots diff WAVE V1 V2`: methodology and input provenance, rows added/removed by key,
values changed per column (count, largest change), ranks that moved."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from lei_pipeline.publish import publish_snapshot
from lei_pipeline.publish.diff import diff_snapshots
from lei_pipeline.settings import Settings
from lei_pipeline_tests.support.sample_tables import build_tables, provenance, write_methodology

LEI = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "lei"


def test_diff_counts_rows_values_and_ranks(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path / "data", catalog_url=f"sqlite:///{tmp_path / 'c.sqlite'}")
    m = write_methodology(tmp_path)
    old = build_tables("2024", variant=0)
    publish_snapshot(settings, "2024", old, provenance(m), quality=False)
    new = {name: t.copy() for name, t in build_tables("2024", variant=0).items()}
    # unit 70017 leaves, and the lei of Novi Sad (80012) rises by 7.5
    for name in new:
        new[name] = new[name][new[name]["unit_code"] != "70017"].reset_index(drop=True)
    scores = new["scores"]
    scores.loc[scores["unit_code"] == "80012", "lei"] += 7.5
    m.write_text(m.read_text().replace('version: "1.0.0"', 'version: "1.1.0"'))
    prov = dict(provenance(m), methodology_version="1.1.0")
    publish_snapshot(settings, "2024", new, prov, quality=False)

    d = diff_snapshots(settings, "2024", 1, "latest")
    assert (d["from_version"], d["to_version"]) == (1, 2)
    assert d["provenance"]["methodology version"] == {"from": "1.0.0", "to": "1.1.0"}
    s = d["tables"]["scores"]
    assert s["key"] == ["wave", "unit_code"]
    assert s["rows_removed"]["count"] == 1 and s["rows_removed"]["first"] == [{"wave": "2024", "unit_code": "70017"}]
    assert s["rows_added"]["count"] == 0
    assert s["values_changed"]["lei"]["changed"] == 1
    big = s["values_changed"]["lei"]["largest_change"]
    assert big["unit_code"] == "80012" and abs(big["change"] - 7.5) < 1e-9
    # ranks are carried over unchanged in this edit, so no rank moved; indicators lost 5 rows (one unit)
    assert "rank" not in s["ranks_moved"]
    ind = d["tables"]["indicators"]
    assert ind["key"] == ["wave", "unit_code", "indicator"] and ind["rows_removed"]["count"] == 5

    env = {k: v for k, v in os.environ.items() if k != "LEI_CATALOG_URL"}
    env["LEI_DATA_DIR"] = str(settings.data_dir)
    r = subprocess.run([str(LEI), "snapshots", "diff", "2024", "1", "2"], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "methodology version" in r.stdout and "1.0.0 -> 1.1.0" in r.stdout
    assert "rows removed: 1 (70017)" in r.stdout and "lei: 1 values changed, largest +7.5 at 80012" in r.stdout
    r = subprocess.run([str(LEI), "snapshots", "diff", "2024", "1", "2", "--json"], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0 and json.loads(r.stdout)["tables"]["scores"]["rows_removed"]["count"] == 1


def test_ranks_that_moved(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path / "data", catalog_url=f"sqlite:///{tmp_path / 'c.sqlite'}")
    m = write_methodology(tmp_path)
    publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(m), quality=False)
    publish_snapshot(settings, "2024", build_tables("2024", variant=5), provenance(m), quality=False)
    a = build_tables("2024", variant=0)["scores"].set_index("unit_code")["rank"]
    b = build_tables("2024", variant=5)["scores"].set_index("unit_code")["rank"]
    moved = int((a != b).sum())
    d = diff_snapshots(settings, "2024", 1, 2)
    ranks = d["tables"]["scores"]["ranks_moved"]["rank"]
    assert ranks["moved"] == moved > 0
    first = ranks["largest"][0]
    assert abs(first["to"] - first["from"]) == int((a - b).abs().max())
    assert first["unit_name"]
