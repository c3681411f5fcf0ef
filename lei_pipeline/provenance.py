"""What a snapshot records about how it was made."""
from __future__ import annotations

import subprocess
from importlib.metadata import PackageNotFoundError, version

from lei_pipeline.quality import methodology_weights
from lei_pipeline.settings import REPO_ROOT


def code_version() -> str:
    try:
        pkg = version("lei-pipeline")
    except PackageNotFoundError:
        pkg = "unknown"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                                text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{pkg}+{commit}" if commit else pkg


def is_synthetic(export_dir) -> bool:
    return any(p.name.lower().startswith("synthetic") or p.name == ".synthetic" for p in export_dir.iterdir()) \
        if export_dir.is_dir() else False


def build_provenance(inputs, run_id: str | None, checks: list[dict], synthetic: bool = True) -> dict:
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
        "weights": methodology_weights(m),
    }
