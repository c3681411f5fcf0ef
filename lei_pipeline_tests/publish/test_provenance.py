"""Provenance: the manifest and the catalog record the export a snapshot was built from (file
relative to its wave folder, sha256, format, rows read) and the code version; published data holds
no local path. SQLite and PostgreSQL (catalog_url fixture)."""
from __future__ import annotations

import hashlib
import json
import re

import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.publish import list_snapshots, publish_snapshot
from lei_pipeline.publish.catalog import repository
from lei_pipeline.publish.diff import diff_snapshots
from lei_pipeline.publish.manifest import code_version
from lei_pipeline_tests.support.sample_tables import build_tables, provenance

EXPORT = {"file": "lei-2024.xlsx", "sha256": hashlib.sha256(b"export one").hexdigest(), "format": "xlsx",
          "rows_read": 14}


def _with_export(methodology, export):
    return dict(provenance(methodology), export=export)


def test_manifest_and_catalog_record_the_export_and_code_version(settings, methodology):
    r = publish_snapshot(settings, "2024", build_tables("2024"), _with_export(methodology, EXPORT), quality=False)
    m = json.loads((r.path / "manifest.json").read_text())
    assert m["export"] == EXPORT
    assert re.fullmatch(r"[0-9][^+]*(\+g[0-9a-f]{12})?", m["code_version"]) and m["code_version"] == code_version()
    row = repository.snapshot_rows(settings.catalog_url, "2024").iloc[0]
    assert (row["export_file"], row["export_sha256"], row["export_format"], int(row["export_rows_read"])) == \
        tuple(EXPORT.values())
    assert row["code_version"] == m["code_version"]
    listed = list_snapshots(settings).iloc[0]
    assert listed["export_sha256"] == EXPORT["sha256"]


def test_no_local_path_in_manifest_or_tables(settings, methodology):
    r = publish_snapshot(settings, "2024", build_tables("2024"), _with_export(methodology, EXPORT), quality=False)
    text = (r.path / "manifest.json").read_text()
    assert str(methodology.parent) not in text and str(settings.data_dir) not in text
    tables = build_tables("2024", variant=1)
    tables["responses"]["source_file"] = str(settings.raw_dir / "2024" / "lei-2024.xlsx")
    with pytest.raises(LeiError, match="column 'source_file' holds a local path"):
        publish_snapshot(settings, "2024", tables, _with_export(methodology, EXPORT), quality=False)
    with pytest.raises(ValueError, match="relative to its wave folder"):
        publish_snapshot(settings, "2024", build_tables("2024", variant=1),
                         _with_export(methodology, dict(EXPORT, file="/tmp/lei-2024.xlsx")), quality=False)


def test_another_export_with_the_same_tables_is_a_new_version_told_apart_by_its_input(settings, methodology):
    r1 = publish_snapshot(settings, "2024", build_tables("2024"), _with_export(methodology, EXPORT), quality=False)
    again = publish_snapshot(settings, "2024", build_tables("2024"), _with_export(methodology, EXPORT), quality=False)
    assert (again.version, again.unchanged) == (1, True)
    resaved = dict(EXPORT, file="lei-2024.csv", format="limesurvey",
                   sha256=hashlib.sha256(b"export two").hexdigest())
    r2 = publish_snapshot(settings, "2024", build_tables("2024"), _with_export(methodology, resaved), quality=False)
    assert (r2.version, r2.unchanged) == (2, False) and r1.version == 1
    d = diff_snapshots(settings, "2024", 1, 2)
    assert d["provenance"]["export sha256"] == {"from": EXPORT["sha256"], "to": resaved["sha256"]}
    assert d["provenance"]["export file"] == {"from": "lei-2024.xlsx", "to": "lei-2024.csv"}
    assert {t["status"] for t in d["tables"].values()} == {"identical"}


def test_migration_0002_upgrades_a_catalog_holding_rows(catalog_url):
    """A catalog created by 0001 with rows in it gains the export columns; the rows stay."""
    import sqlalchemy as sa
    from alembic import command

    from lei_pipeline.publish.catalog.migrate import alembic_config, ensure_catalog, forget

    command.upgrade(alembic_config(catalog_url), "0001")
    eng = sa.create_engine(catalog_url, poolclass=sa.pool.NullPool)
    try:
        with eng.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO snapshots (wave, version, path, created_at, manifest_sha256, row_counts, checks_passed, "
                "checks_failed) VALUES ('2024', 1, 'wave=2024/version=1', CURRENT_TIMESTAMP, :h, '{}', 3, 0)"),
                {"h": "0" * 64})
        forget(catalog_url)
        ensure_catalog(catalog_url)
        with eng.connect() as conn:
            row = conn.execute(sa.text("SELECT wave, checks_passed, export_file, export_rows_read FROM snapshots")).one()
        assert tuple(row) == ("2024", 3, None, None)
        command.downgrade(alembic_config(catalog_url), "0001")
        with eng.connect() as conn:
            assert "export_file" not in {c["name"] for c in sa.inspect(conn).get_columns("snapshots")}
    finally:
        forget(catalog_url)
        eng.dispose()
