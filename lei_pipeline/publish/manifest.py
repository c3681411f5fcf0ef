"""manifest.json: what a snapshot holds and how it was made. Written into the staging folder
before the rename, so a visible snapshot always has its manifest."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path

from lei_pipeline.publish.parquet_io import canonical_json

MANIFEST = "manifest.json"
METHODOLOGY_COPY = "methodology.yaml"
SYNTHETIC_NOTICE = "synthetic sample data, not real LEI results"
REPO_ROOT = Path(__file__).resolve().parents[2]


def package_version() -> str:
    try:
        return importlib_metadata.version("lei-pipeline")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


def git_commit(repo: Path = REPO_ROOT) -> str | None:
    """The checked-out commit, read from .git directly (no git binary needed, None outside a checkout)."""
    git = repo / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head or None
        ref = head[5:]
        ref_file = git / ref
        if ref_file.is_file():
            return ref_file.read_text().strip() or None
        packed = git / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
    except OSError:
        return None
    return None


def code_version() -> str:
    """The one code version every snapshot records: "<package version>+g<12 hex of the commit>"
    (the package version alone outside a git checkout)."""
    commit = git_commit()
    return f"{package_version()}+g{commit[:12]}" if commit else package_version()


EXPORT_KEYS = ("file", "sha256", "format", "rows_read")


def export_entry(export: dict | None) -> dict | None:
    """The export a snapshot was built from: its name relative to the wave's folder, sha256,
    format and the number of rows read (None when the tables were not built from an export)."""
    if not export:
        return None
    file = str(export.get("file") or "")
    if Path(file).is_absolute() or ".." in Path(file).parts:
        raise ValueError(f"export file {file!r} must be relative to its wave folder")
    return {k: export.get(k) for k in EXPORT_KEYS}


def previous_entry(previous: dict | None) -> dict | None:
    """{"wave", "version"} of the previous comparable wave's snapshot, or None (first wave, or
    no change computed)."""
    if not previous or not previous.get("wave") or previous.get("version") in (None, ""):
        return None
    return {"wave": str(previous["wave"]), "version": int(previous["version"])}


DECISION_KEYS = ("unit_code", "kept_row", "dropped_rows", "reason", "source_file")


def duplicate_decisions_entry(decisions) -> list[dict] | None:
    """One record per unit with several submissions: unit_code, kept_row (spreadsheet row of the
    export), dropped_rows ("12, 40"), reason, source_file (the export's name, no folder). None when
    the decisions were not recorded (a list, possibly empty, when they were)."""
    if decisions is None:
        return None
    records = decisions.to_dict("records") if hasattr(decisions, "to_dict") else list(decisions)
    out = []
    for d in records:
        e = {k: d.get(k) for k in DECISION_KEYS}
        e["unit_code"] = str(e["unit_code"])
        e["kept_row"] = None if e["kept_row"] is None else int(e["kept_row"])
        e["dropped_rows"] = "" if e["dropped_rows"] is None else str(e["dropped_rows"])
        e["reason"] = "" if e["reason"] is None else str(e["reason"])
        e["source_file"] = Path(str(e["source_file"] or "")).name   # never a local path
        out.append(e)
    return sorted(out, key=lambda e: (e["unit_code"], e["kept_row"] or 0))


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def build_manifest(*, wave: str, version: int, created_at: datetime, tables: dict[str, dict],
                   provenance: dict, methodology_sha256: str, quality: list[dict] | None,
                   data_docs: str | None) -> dict:
    upstream = [dict(c, source=c.get("source", "pipeline")) for c in provenance.get("checks") or []]
    suites = [{"name": q["name"], "passed": q["passed"], "source": "great_expectations", "table": q["table"],
               "expectations": q.get("expectations", 0), "failures": q["failures"]} for q in quality or []]
    checks = upstream + suites
    synthetic = bool(provenance.get("synthetic"))
    return {
        "format": 1,
        "wave": wave,
        "version": version,
        "created_at": created_at.isoformat(),
        "run_id": provenance.get("run_id"),
        "notice": SYNTHETIC_NOTICE if synthetic else provenance.get("notice"),
        "synthetic": synthetic,
        "tables": {name: tables[name] for name in sorted(tables)},
        "methodology": {
            "file": METHODOLOGY_COPY,
            "sha256": methodology_sha256,
            "version": provenance.get("methodology_version"),
            # the file's name only: a manifest holds no local path (two checkouts write the same)
            "source": Path(str(provenance.get("methodology_path") or "")).name,
        },
        "export": export_entry(provenance.get("export")),
        "questionnaire_version": provenance.get("questionnaire_version"),
        "code_version": provenance.get("code_version") or code_version(),
        "package_version": package_version(),
        "git_commit": git_commit(),
        "checks": checks,
        "checks_passed": [c["name"] for c in checks if c.get("passed")],
        "checks_failed": [c["name"] for c in checks if not c.get("passed")],
        "quality_suites_run": quality is not None,
        "data_docs": data_docs,
        # The snapshot the change table was computed against, pinned: the report reads that
        # version's indicators (never "latest"), so rebuilding it gives the same bytes.
        "previous": previous_entry(provenance.get("previous")),
        # How the survey cleaning chose between several submissions of one unit.
        "duplicate_decisions": duplicate_decisions_entry(provenance.get("duplicate_decisions")),
        # The uncertainty analysis' seed and size (wave_uncertainty), when the snapshot holds it.
        **({"uncertainty": provenance["uncertainty"]} if provenance.get("uncertainty") else {}),
    }


def write_manifest(folder: Path, manifest: dict) -> bytes:
    data = canonical_json(manifest)
    path = folder / MANIFEST
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return data


def read_manifest(folder: Path) -> dict:
    with open(folder / MANIFEST, encoding="utf-8") as f:
        return json.load(f)


def table_hashes(manifest: dict) -> dict[str, str]:
    return {name: entry["sha256"] for name, entry in manifest.get("tables", {}).items()}
