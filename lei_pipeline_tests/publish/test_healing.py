"""Publishing heals itself: whatever fails between the version folder's rename and its catalog
row is repaired by the next run of the wave (identical or not); stray or half-restored folders
and catalog rows of deleted waves never block a publish. Reads trust folders and manifests, and
the catalog can be rebuilt from them. SQLite and PostgreSQL (catalog_url fixture)."""
from __future__ import annotations

import shutil

import pytest

from lei_pipeline.publish import list_snapshots, load, publish_snapshot
from lei_pipeline.publish.catalog import repository
from lei_pipeline.publish.reindex import reindex
from lei_pipeline_tests.support.sample_tables import build_tables, provenance


def _catalog_versions(settings, wave="2024") -> list[int]:
    return repository.versions(settings.catalog_url, wave)


@pytest.fixture
def failing_catalog(monkeypatch):
    """The next catalog insert raises (a locked SQLite file, a full disk), once."""
    real = repository.record_snapshot
    calls = {"n": 0}

    def record(url, row, tables):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError(28, "No space left on device")
        return real(url, row, tables)

    monkeypatch.setattr(repository, "record_snapshot", record)
    return calls


@pytest.mark.parametrize("second_run", ["identical", "new content"])
def test_catalog_failure_after_rename_is_healed_by_the_next_run(settings, methodology, failing_catalog,
                                                                second_run):
    r1 = publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    # the truth: version 1 is published (folder, LATEST, readable), only the index lags
    assert (r1.version, r1.unchanged, r1.catalog_recorded) == (1, False, False)
    assert any("version 1 is published" in w and "catalog" in w for w in r1.warnings)
    assert (settings.published_dir / "wave=2024" / "LATEST").read_text().strip() == "1"
    assert len(load("scores", wave="2024", settings=settings)) == 12
    assert list_snapshots(settings)["version"].tolist() == [1]      # reads trust the folders
    assert _catalog_versions(settings) == []

    variant = 0 if second_run == "identical" else 1
    r2 = publish_snapshot(settings, "2024", build_tables("2024", variant=variant), provenance(methodology),
                          quality=False)
    if second_run == "identical":
        assert (r2.version, r2.unchanged, r2.catalog_recorded) == (1, True, True)
        assert _catalog_versions(settings) == [1]
    else:
        assert (r2.version, r2.unchanged) == (2, False)
        assert _catalog_versions(settings) == [1, 2]
    assert r2.warnings == []


def test_pointer_write_failure_is_reported_and_healed(settings, methodology, monkeypatch):
    from lei_pipeline.publish import layout

    real = layout.write_latest
    monkeypatch.setattr(layout, "write_latest", lambda *a: (_ for _ in ()).throw(OSError(5, "I/O error")))
    r1 = publish_snapshot(settings, "2024", build_tables("2024"), provenance(methodology), quality=False)
    assert (r1.version, r1.catalog_recorded) == (1, False) and r1.warnings
    monkeypatch.setattr(layout, "write_latest", real)
    r2 = publish_snapshot(settings, "2024", build_tables("2024"), provenance(methodology), quality=False)
    assert (r2.version, r2.unchanged) == (1, True)
    assert (settings.published_dir / "wave=2024" / "LATEST").read_text().strip() == "1"
    assert _catalog_versions(settings) == [1]


def test_version_folder_without_manifest_is_skipped_with_a_warning(settings, methodology):
    r1 = publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    stray = r1.path.parent / "version=2"
    stray.mkdir()
    shutil.copyfile(r1.path / "scores.parquet", stray / "scores.parquet")   # a half-restored backup
    r = publish_snapshot(settings, "2024", build_tables("2024", variant=1), provenance(methodology), quality=False)
    assert r.version == 3  # the stray folder's number is not reused
    assert any("version=2" in w and "manifest.json" in w for w in r.warnings)
    assert list_snapshots(settings)["version"].tolist() == [1, 3]
    assert load("scores", wave="2024", settings=settings)["lei"].tolist() == \
        build_tables("2024", variant=1)["scores"]["lei"].tolist()


def test_truncated_latest_manifest_never_blocks(settings, methodology):
    publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    r2 = publish_snapshot(settings, "2024", build_tables("2024", variant=1), provenance(methodology), quality=False)
    manifest = r2.path / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:100])  # truncated: the latest version is not valid
    warnings: list[str] = []
    assert list_snapshots(settings, warnings=warnings)["version"].tolist() == [1]
    assert any(str(manifest) in w and "truncated" in w for w in warnings)
    # the latest valid version is 1; re-publishing variant 1 is new content against it
    r3 = publish_snapshot(settings, "2024", build_tables("2024", variant=1), provenance(methodology), quality=False)
    assert (r3.version, r3.unchanged) == (3, False)
    assert any(str(manifest) in w for w in r3.warnings)
    assert (settings.published_dir / "wave=2024" / "LATEST").read_text().strip() == "3"


def test_version_folder_with_foreign_manifest_is_skipped(settings, methodology):
    r1 = publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    shutil.copytree(r1.path, r1.path.parent / "version=2")  # its manifest still says version 1
    r = publish_snapshot(settings, "2024", build_tables("2024", variant=3), provenance(methodology), quality=False)
    assert r.version == 3
    assert any("version=2: holds the manifest of wave 2024 version 1" in w for w in r.warnings)


def test_catalog_rows_of_a_deleted_wave_never_block(settings, methodology):
    publish_snapshot(settings, "2022", build_tables("2022"), provenance(methodology), quality=False)
    publish_snapshot(settings, "2024", build_tables("2024"), provenance(methodology), quality=False)
    shutil.rmtree(settings.published_dir / "wave=2022")
    assert list_snapshots(settings)["wave"].tolist() == ["2024"]   # the change table's view of the waves
    r = publish_snapshot(settings, "2024", build_tables("2024", variant=1), provenance(methodology), quality=False)
    assert r.version == 2
    r = publish_snapshot(settings, "2022", build_tables("2022", variant=1), provenance(methodology), quality=False)
    assert r.version == 2  # version 1 of 2022 is still in the catalog: its number is not reused
    assert any("wave 2022 version 1 has no folder" in w for w in r.warnings)


def test_reindex_rebuilds_the_catalog_from_the_folders(settings, methodology):
    publish_snapshot(settings, "2022", build_tables("2022"), provenance(methodology), quality=False)
    publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    r = publish_snapshot(settings, "2024", build_tables("2024", variant=1), provenance(methodology), quality=False)
    # the catalog loses a row and keeps one whose folder is gone
    repository.delete_snapshot(settings.catalog_url, "2024", 2)
    shutil.rmtree(settings.published_dir / "wave=2022")
    result = reindex(settings)
    assert result.added == [("2024", 2)] and result.removed == [("2022", 1)] and result.kept == 1
    assert _catalog_versions(settings) == [1, 2] and _catalog_versions(settings, "2022") == []
    row = repository.snapshot_rows(settings.catalog_url, "2024").iloc[1]
    assert row["manifest_sha256"] == list_snapshots(settings)["manifest_sha256"].iloc[1]
    assert r.version == 2
    again = reindex(settings)
    assert (again.added, again.replaced, again.removed, again.kept) == ([], [], [], 2)


def test_run_summary_tells_a_published_version_with_its_warning():
    import dagster as dg

    from lei_pipeline.defs.run_waves import describe_materialisation

    text = describe_materialisation({
        "version": dg.MetadataValue.int(3), "unchanged": dg.MetadataValue.bool(False),
        "warnings": dg.MetadataValue.json(["wave 2024 version 3 is published but its catalog row ..."])})
    assert text.startswith("version 3") and "warning: wave 2024 version 3 is published" in text
