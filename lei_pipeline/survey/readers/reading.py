"""How a wave's export is read, when the default is not right: which sheet of a workbook and
which row holds the headers. `lei validate --sheet/--header-row` takes them for one check; `lei
wave add` stores them beside the export (data/raw/<wave>/reading.yaml) so the pipeline reads the
file exactly as it was validated."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lei_pipeline.errors import LeiError, UsageError
from lei_pipeline.files import load_yaml

READING_FILE = "reading.yaml"


@dataclass(frozen=True)
class ReadingOptions:
    sheet: str | None = None        # sheet name (or 1-based position as text); None: the visible data sheet
    header_row: int | None = None   # 1-based row of the headers; None: found (title rows skipped)

    def __post_init__(self):
        if self.header_row is not None and (not isinstance(self.header_row, int) or isinstance(self.header_row, bool)
                                            or not 1 <= self.header_row <= 1000):
            raise UsageError(f"header row {self.header_row!r}: give a row number from 1 to 1000")
        if self.sheet is not None and not str(self.sheet).strip():
            raise UsageError("sheet name is empty")

    @property
    def is_default(self) -> bool:
        return self.sheet is None and self.header_row is None

    def as_kwargs(self) -> dict:
        return {"sheet": self.sheet, "header_row": self.header_row}

    def to_dict(self) -> dict:
        return {k: v for k, v in (("sheet", self.sheet), ("header_row", self.header_row)) if v is not None}


def load_reading(folder: Path) -> ReadingOptions:
    """The options stored for a wave's export folder (defaults when there is no reading.yaml)."""
    import yaml

    path = Path(folder) / READING_FILE
    if not path.is_file():
        return ReadingOptions()
    try:
        raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as e:
        raise LeiError(f"{path}: not readable as YAML ({type(e).__name__})") from None
    if not isinstance(raw, dict) or set(raw) - {"sheet", "header_row", "export"}:
        raise LeiError(f"{path}: expected the keys sheet, header_row (and export)")
    sheet = raw.get("sheet")
    try:
        return ReadingOptions(sheet=None if sheet is None else str(sheet), header_row=raw.get("header_row"))
    except UsageError as e:
        raise LeiError(f"{path}: {e}") from None


def reading_text(options: ReadingOptions, export_name: str) -> str:
    import yaml

    head = ("# How `lei wave add` read this wave's export; the pipeline reads it the same way.\n"
            "# sheet: the workbook sheet; header_row: the row of the headers (1 = the first row).\n")
    return head + yaml.safe_dump({"export": export_name, **options.to_dict()}, allow_unicode=True, sort_keys=False)
