"""A published snapshot as the report sees it: the manifest (without the list of reading files,
which the report cannot depend on), the tables, and the methodology and questionnaire copies."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from lei_pipeline.errors import LeiError
from lei_pipeline.files import file_sha256, parsed_once

READING_KEY = "reading"          # manifest key listing the report, workbook and datapackage
QUESTIONNAIRE_COPY = "questionnaire.yaml"
# Tables other parts of the pipeline may add to a snapshot; read when the manifest lists them.
OPTIONAL_TABLES = ("uncertainty", "weights")


@dataclass
class SnapshotData:
    manifest: dict                       # the manifest without READING_KEY
    tables: dict[str, pd.DataFrame]
    methodology: object | None = None    # lei_pipeline.methodology.Methodology when the copy parses
    methodology_text: bytes | None = None
    questionnaire: object | None = None  # lei_pipeline.survey.questionnaire.Questionnaire
    questionnaire_text: bytes | None = None
    notes: list[str] = field(default_factory=list)  # what could not be read, said in the report
    previous: tuple[str, int] | None = None          # the pinned snapshot the change table compares with
    previous_indicators: pd.DataFrame | None = None  # its indicators, when that snapshot is at hand
    previous_missing: str | None = None              # why not: "missing", "altered", "methodology <v>"

    @property
    def wave(self) -> str:
        return str(self.manifest.get("wave"))

    @property
    def version(self) -> int:
        return int(self.manifest.get("version") or 0)

    def table(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)


def manifest_draft(manifest: dict) -> dict:
    return {k: v for k, v in manifest.items() if k != READING_KEY}


def _read_table(folder: Path, name: str, entry: dict, verify: bool) -> pd.DataFrame:
    path = folder / entry.get("file", f"{name}.parquet")
    if not path.is_file():
        raise LeiError(f"{folder}: table {name} listed in manifest.json but {path.name} is missing")
    if verify and entry.get("sha256") and file_sha256(path) != entry["sha256"]:
        raise LeiError(f"{path}: sha256 differs from manifest.json; the snapshot was altered")
    return pq.read_table(path).to_pandas()


def previous_ref(manifest: dict, change: pd.DataFrame | None = None) -> tuple[str, int] | None:
    """The (wave, version) the change table was computed against, as the manifest pins it at
    publish time ("previous": {"wave", "version"}). Never "latest": a later version of the
    previous wave must not change this snapshot's report."""
    p = manifest.get("previous")
    if isinstance(p, dict) and p.get("wave") and p.get("version") is not None:
        return str(p["wave"]), int(p["version"])
    return None


def _previous_indicators(published, ref: tuple[str, int], methodology_version) -> tuple[pd.DataFrame | None, str | None]:
    """(indicators of the pinned snapshot, why not). A published version never changes, so reading
    the pinned one keeps the report reproducible; its files are checked against its manifest."""
    from lei_pipeline.publish.storage import as_storage

    store = as_storage(published)
    rel = f"wave={ref[0]}/version={ref[1]}"
    try:
        manifest = json.loads(store.read_bytes(f"{rel}/manifest.json").decode("utf-8"))
    except (OSError, ValueError):
        return None, "missing"
    used = (manifest.get("methodology") or {}).get("version")
    if methodology_version is not None and used is not None and str(used) != str(methodology_version):
        return None, f"methodology {used}"
    entry = (manifest.get("tables") or {}).get("indicators")
    if not entry:
        return None, "missing"
    path = f"{rel}/{entry.get('file', 'indicators.parquet')}"
    try:
        if entry.get("sha256") and store.sha256(path) != entry["sha256"]:
            return None, "altered"
        return store.read_table(path).to_pandas(), None
    except OSError:
        return None, "missing"


def load_snapshot(folder: Path, manifest: dict | None = None, verify: bool = True,
                  published_dir: Path | None = None) -> SnapshotData:
    """Read a snapshot folder (or a staging folder with the manifest draft given). With
    published_dir (a folder or a publish.storage.Storage), the indicators of the pinned previous
    snapshot are read too (criterion change), when it was scored under the same methodology;
    for a published folder read without a manifest given, it defaults to the folder's ../..."""
    from lei_pipeline.methodology.model import parse_methodology
    from lei_pipeline.survey.questionnaire import parse_questionnaire

    folder = Path(folder)
    if manifest is None:
        path = folder / "manifest.json"
        if not path.is_file():
            raise LeiError(f"{folder}: no manifest.json (not a published snapshot)")
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if published_dir is None:   # a published snapshot: wave=W/version=N under the published folder
            published_dir = folder.parent.parent
    manifest = manifest_draft(manifest)
    tables = {name: _read_table(folder, name, entry, verify)
              for name, entry in sorted((manifest.get("tables") or {}).items())}
    data = SnapshotData(manifest=manifest, tables=tables)
    data.previous = previous_ref(manifest)
    if data.previous is not None and published_dir is not None:
        data.previous_indicators, data.previous_missing = _previous_indicators(
            published_dir, data.previous, (manifest.get("methodology") or {}).get("version"))
    mfile = folder / ((manifest.get("methodology") or {}).get("file") or "methodology.yaml")
    if mfile.is_file():
        data.methodology_text = mfile.read_bytes()
        try:
            data.methodology = parsed_once("methodology", data.methodology_text, parse_methodology)
        except LeiError as e:
            data.notes.append(f"methodology copy not readable as an LEI methodology: {e}")
    else:
        data.notes.append("no methodology copy in the snapshot")
    qfile = folder / QUESTIONNAIRE_COPY
    if qfile.is_file():
        data.questionnaire_text = qfile.read_bytes()
        try:
            data.questionnaire = parsed_once("questionnaire", data.questionnaire_text, parse_questionnaire)
        except LeiError as e:
            data.notes.append(f"questionnaire copy not readable: {e}")
    else:
        data.notes.append("no questionnaire copy in the snapshot")
    return data
