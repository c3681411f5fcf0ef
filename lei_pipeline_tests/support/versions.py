"""Small fabricated data dirs for the wave-order tests: a waves file, export folders and snapshot
folders holding only the manifest.json the order logic reads."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from lei_pipeline.settings import Settings


def data_dir_with(root: Path, declared: list[str]) -> Settings:
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    lines = ["version: 1", "waves:"] + [f'  - id: "{w}"\n    question_set: "2025"' for w in declared]
    (data / "waves.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Settings.from_env(data_dir=data, catalog_url=f"sqlite:///{data / 'catalog.sqlite'}")


def add_export(settings: Settings, wave: str, text: str = "JLS\nAda\n", mtime: float | None = None) -> Path:
    folder = settings.raw_dir / wave
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"lei-{wave}.csv"
    path.write_text(text, encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def add_snapshot(settings: Settings, wave: str, version: int = 1, created_at: datetime | None = None,
                 methodology: dict | None = None, export_sha256: str | None = None) -> Path:
    folder = settings.published_dir / f"wave={wave}" / f"version={version}"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"wave": wave, "version": version,
                "created_at": (created_at or datetime.now(timezone.utc)).replace(microsecond=0).isoformat(),
                "methodology": methodology or {"version": "1.0.0", "sha256": "0" * 64}}
    if export_sha256:
        manifest["export"] = {"file": f"lei-{wave}.csv", "sha256": export_sha256}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder.parent / "LATEST").write_text(f"{version}\n")
    return folder
