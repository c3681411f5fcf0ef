"""What a snapshot records about how it was made."""
from __future__ import annotations

from pathlib import Path

from lei_pipeline.publish.manifest import code_version  # the one code version (and its format)
from lei_pipeline.publish.quality_gate import methodology_weights
from lei_pipeline.settings import Settings


def is_synthetic(export_dir) -> bool:
    return any(p.name.lower().startswith("synthetic") or p.name == ".synthetic" for p in export_dir.iterdir()) \
        if export_dir.is_dir() else False


def export_provenance(settings: Settings, wave: str, export_path: str | Path, sha256: str, fmt: str,
                      rows_read: int) -> dict:
    """The manifest's "export" entry: file relative to data/raw/<wave>/ (no local path), sha256 of
    the bytes read, the detected format and the number of rows read."""
    path, folder = Path(export_path), settings.raw_dir / wave
    try:
        file = path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        file = path.name
    return {"file": file, "sha256": sha256, "format": fmt, "rows_read": int(rows_read)}


def build_provenance(inputs, run_id: str | None, checks: list[dict], synthetic: bool = True,
                     export: dict | None = None) -> dict:
    m, q = inputs.methodology, inputs.questionnaire
    return {
        "methodology_path": str(m.path),
        "methodology_version": str(m.version),
        "methodology_sha256": str(m.sha256),
        "questionnaire_version": str(q.version),
        "code_version": code_version(),
        "run_id": run_id,
        "checks": [{"name": f"{c['asset']}:{c['check']}", "passed": c["status"] == "passed", **c} for c in checks],
        "synthetic": synthetic,
        "export": export,
        "weights": methodology_weights(m),
    }
