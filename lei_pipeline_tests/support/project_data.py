"""A private copy of the project's data/ for a test: the versioned inputs and the sample waves,
never the published outputs, so tests neither read nor write the developer's data/."""
from __future__ import annotations

import shutil
from pathlib import Path

from lei_pipeline.settings import REPO_ROOT

INPUT_DIRS = ("questionnaire", "methodology", "reference", "raw")


def copy_data_dir(dest: Path, waves: list[str] | None = None) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in INPUT_DIRS:
        src = REPO_ROOT / "data" / name
        if name == "raw" and waves is not None:
            (dest / "raw").mkdir(exist_ok=True)
            for w in waves:
                shutil.copytree(src / w, dest / "raw" / w)
        else:
            shutil.copytree(src, dest / name)
    # The declared order of waves is an input too (a wave not declared has no previous wave).
    shutil.copy2(REPO_ROOT / "data" / "waves.yaml", dest / "waves.yaml")
    return dest


def export_of(data_dir: Path, wave: str) -> Path:
    from lei_pipeline.settings import Settings
    from lei_pipeline.waves.declared import find_export

    return find_export(Settings.from_env(data_dir=data_dir), wave)
