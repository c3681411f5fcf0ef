"""Building, publishing and rebuilding a snapshot's reading files.

At publish time `write_reading_artifacts` runs inside the staging folder, after the tables and
the methodology copy are written and before manifest.json: it copies the questionnaire in,
writes the Great Expectations results as JSON, builds the report, workbook and datapackage from
the staged files and returns the manifest with their sha256 under READING_KEY. `rebuild` makes
the same files from a published snapshot elsewhere and says whether the bytes match: the
builders see the manifest without READING_KEY, the tables as read back from Parquet, and the
copies, which are the same at both moments."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from lei_pipeline.files import file_sha256
from lei_pipeline.publish.parquet_io import canonical_json
from lei_pipeline.report.snapshot import QUESTIONNAIRE_COPY, READING_KEY, SnapshotData, load_snapshot

REPORT, WORKBOOK, DATAPACKAGE = "report.html", "workbook.xlsx", "datapackage.json"
ARTIFACTS = (REPORT, WORKBOOK, DATAPACKAGE)
QUALITY_RESULTS = "quality_results.json"
# A profile per unit and a workbook cell per (unit, indicator): beyond this many units (the
# benchmarks' synthetic waves) the reading files are skipped and the manifest says so.
MAX_UNITS = 5000


def build_artifacts(data: SnapshotData) -> dict[str, bytes]:
    from lei_pipeline import worker
    from lei_pipeline.report.datapackage import build_datapackage
    from lei_pipeline.report.html import build_report

    # the workbook in `lei run`'s worker process while the report is built here (same bytes)
    workbook = worker.submit(_build_workbook, data)
    try:
        report, datapackage = build_report(data), build_datapackage(data)
    except BaseException:
        if workbook is not None:
            workbook.discard()   # the worker's answer is taken, so the next job gets its own
        raise
    return {REPORT: report, WORKBOOK: worker.in_worker_or_here(workbook, _build_workbook, data),
            DATAPACKAGE: datapackage}


def _build_workbook(data: SnapshotData) -> bytes:
    # Imported where it runs: openpyxl (0.17 s to import) is then loaded by the worker alone.
    from lei_pipeline.report.workbook import build_workbook

    return build_workbook(data)


def quality_results(manifest: dict) -> bytes:
    suites = [c for c in manifest.get("checks") or [] if c.get("source") == "great_expectations"]
    return canonical_json({"wave": manifest.get("wave"), "suites": suites})


def units_expected(registry_path: Path | None) -> dict | None:
    """How many local governments the survey asks (the registry's respondents), by type: the
    denominator of the response rate, recorded in the manifest because the registry is not."""
    if registry_path is None or not Path(registry_path).is_file():
        return None
    from lei_pipeline.errors import LeiError
    from lei_pipeline.registry import load_registry

    try:
        reg = load_registry(registry_path)
    except LeiError:
        return None
    asked = reg[reg["respondent"]] if "respondent" in reg.columns else reg
    by_type = asked["unit_type"].astype(str).value_counts().sort_index()
    return {"total": int(len(asked)), "by_type": {str(k): int(v) for k, v in by_type.items()}}


def write_reading_artifacts(staging: Path, manifest: dict, questionnaire_path: Path | None = None,
                            registry_path: Path | None = None, published=None) -> dict:
    """Publish hook: write the reading files into staging; return the manifest listing them
    (and units_expected from the registry, when it can be read). published: where the published
    snapshots are (a folder or a publish.storage.Storage; default the staging folder's parent),
    to read the pinned previous snapshot's indicators."""
    staging = Path(staging)
    expected = units_expected(registry_path)
    if expected is not None and "units_expected" not in manifest:
        manifest = {**manifest, "units_expected": expected}
    draft = json.loads(canonical_json({k: v for k, v in manifest.items() if k != READING_KEY}))
    reading: dict = {"format": 1, "files": {}}
    if questionnaire_path is not None and Path(questionnaire_path).is_file():
        shutil.copyfile(questionnaire_path, staging / QUESTIONNAIRE_COPY)
        reading["questionnaire"] = {"file": QUESTIONNAIRE_COPY, "sha256": file_sha256(staging / QUESTIONNAIRE_COPY)}
    if draft.get("quality_suites_run"):
        (staging / QUALITY_RESULTS).write_bytes(quality_results(draft))
        reading["quality_results"] = {"file": QUALITY_RESULTS, "sha256": file_sha256(staging / QUALITY_RESULTS)}
    units = int(((draft.get("tables") or {}).get("scores") or {}).get("rows") or 0)
    if "scores" not in (draft.get("tables") or {}):
        reading["skipped"] = "no scores table"
    elif units > MAX_UNITS:
        reading["skipped"] = f"{units} units, more than {MAX_UNITS}: no report, workbook or datapackage"
    else:
        data = load_snapshot(staging, draft, verify=False,
                             published_dir=published if published is not None else staging.parent)
        for name, body in build_artifacts(data).items():
            (staging / name).write_bytes(body)
            reading["files"][name] = {"file": name, "sha256": file_sha256(staging / name), "bytes": len(body)}
    return {**manifest, READING_KEY: reading}


def rebuild(folder: Path, out_dir: Path, published_dir=None) -> list[dict]:
    """Build the reading files of the snapshot in folder into out_dir. One record per file:
    name, path, sha256, published (the manifest's sha256 or None) and matches (bool or None).
    published_dir: where the snapshots are (default folder/../..), for the pinned previous one."""
    folder, out_dir = Path(folder), Path(out_dir)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    published = (manifest.get(READING_KEY) or {}).get("files") or {}
    data = load_snapshot(folder, manifest, verify=True,
                         published_dir=published_dir if published_dir is not None else folder.parent.parent)
    out_dir.mkdir(parents=True, exist_ok=True)
    records = []
    for name, body in build_artifacts(data).items():
        path = out_dir / name
        path.write_bytes(body)
        sha = file_sha256(path)
        ref = (published.get(name) or {}).get("sha256")
        records.append({"name": name, "path": path, "sha256": sha, "published": ref,
                        "matches": None if ref is None else ref == sha})
    return records
