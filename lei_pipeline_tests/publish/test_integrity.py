"""Integrity on read: load(), lei pull and lei sql refuse a published file that does not match
its manifest's sha256, naming the file; lei snapshots verify checks everything; manifest entries
cannot point outside their snapshot folder; lei pull never writes into the published folder."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from lei_pipeline.publish import IntegrityError, load, load_all, publish_snapshot
from lei_pipeline.publish.integrity import confined
from lei_pipeline.settings import Settings
from lei_pipeline_tests.support.sample_tables import build_tables, provenance, write_methodology

LEI = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "lei"


@pytest.fixture
def published(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path / "data", catalog_url=f"sqlite:///{tmp_path / 'c.sqlite'}")
    m = write_methodology(tmp_path)
    publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(m), quality=False)
    publish_snapshot(settings, "2024", build_tables("2024", variant=1), provenance(m), quality=False)
    return settings


def lei(settings, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LEI_CATALOG_URL"}
    env["LEI_DATA_DIR"] = str(settings.data_dir)
    env["LEI_CATALOG_URL"] = settings.catalog_url
    return subprocess.run([str(LEI), *args], capture_output=True, text=True, env=env, timeout=120)


def _tamper(path: Path) -> None:
    """What an editor or a careless script does: a valid Parquet file with other values."""
    frame = pd.read_parquet(path)
    frame.loc[0, "lei"] = 99.99
    frame.to_parquet(path, index=False)


def test_tampered_table_is_refused_by_load_pull_and_sql(published, tmp_path):
    target = published.published_dir / "wave=2024" / "version=1" / "scores.parquet"
    load("scores", wave="2024", version=1, settings=published)   # hashed once, cached
    _tamper(target)
    with pytest.raises(IntegrityError, match=r"version=1/scores\.parquet: sha256 .* does not match the manifest"):
        load("scores", wave="2024", version=1, settings=published)
    assert len(load("scores", wave=2024, version=2, settings=published)) == 12  # the other version is intact
    r = lei(published, "pull", "scores", "--wave", "2024", "--version", "1", "--out", str(tmp_path / "s.csv"))
    assert r.returncode == 1 and str(target) in r.stderr and "does not match the manifest" in r.stderr
    assert not (tmp_path / "s.csv").exists()
    with pytest.raises(IntegrityError, match="scores.parquet"):
        load_all("scores", settings=published, all_versions=True)
    r = lei(published, "sql", "SELECT count(*) FROM scores_all_versions")
    assert r.returncode == 1 and str(target) in r.stderr


def test_snapshots_verify(published):
    r = lei(published, "snapshots", "verify")
    assert r.returncode == 0, r.stderr
    assert "wave 2024 version 1: 5 files checked" in r.stdout and "ok: 2 snapshot(s) intact" in r.stdout
    target = published.published_dir / "wave=2024" / "version=2" / "methodology.yaml"
    target.write_text(target.read_text() + "# edited\n")
    r = lei(published, "snapshots", "verify", "2024")
    assert r.returncode == 1 and f"MISMATCH {target}" in r.stdout
    assert lei(published, "snapshots", "verify", "2024", "1").returncode == 0
    assert lei(published, "snapshots", "verify", "2024", "2").returncode == 1
    (published.published_dir / "wave=2024" / "version=1" / "manifest.json").write_text("{\"tab")
    r = lei(published, "snapshots", "verify")
    assert r.returncode == 1 and "version=1/manifest.json: unreadable or truncated" in r.stdout


@pytest.mark.parametrize("entry", ["/etc/passwd", "../version=2/scores.parquet", "../../../x.parquet", ""])
def test_manifest_entries_outside_their_folder_are_refused(published, entry):
    folder = published.published_dir / "wave=2024" / "version=1"
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["tables"]["scores"]["file"] = entry
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IntegrityError, match="not a plain relative path|points outside its snapshot folder"):
        load("scores", wave="2024", version=1, settings=published)


def test_a_link_out_of_the_folder_is_refused(tmp_path):
    folder = tmp_path / "snap"
    folder.mkdir()
    (folder / "scores.parquet").symlink_to(tmp_path / "elsewhere.parquet")
    with pytest.raises(IntegrityError, match="points outside"):
        confined(folder, "scores.parquet")


def test_pull_refuses_to_write_into_the_published_folder(published):
    for out in (published.published_dir / "wave=2024" / "version=1" / "scores.parquet",
                published.published_dir / "scores.csv"):
        before = out.read_bytes() if out.exists() else None
        r = lei(published, "pull", "scores", "--wave", "2024", "--out", str(out))
        assert r.returncode == 2 and "inside the published folder" in r.stderr, r.stderr
        assert (out.read_bytes() if out.exists() else None) == before


def test_identical_run_over_a_modified_latest_version_publishes_a_new_one(published, tmp_path):
    from lei_pipeline_tests.support.sample_tables import provenance as prov

    target = published.published_dir / "wave=2024" / "version=2" / "scores.parquet"
    _tamper(target)
    r = publish_snapshot(published, "2024", build_tables("2024", variant=1), prov(tmp_path / "lei-v1.yaml"),
                         quality=False)
    assert (r.version, r.unchanged) == (3, False)
    assert any(str(target) in w and "publishing a new version" in w for w in r.warnings)
    assert load("scores", wave="2024", settings=published)["lei"].tolist() == \
        build_tables("2024", variant=1)["scores"]["lei"].tolist()
