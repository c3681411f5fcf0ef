"""Bytes -> text for CSV exports. We refuse to guess silently: a wrong code page turns
"Čačak" into "Ăŕ÷ŕę" and the registry match then fails far from the cause. So anything that is
not UTF-8 (with or without BOM) is an ExportError that says what the bytes look like and how to
re-save the file."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lei_pipeline.problems import ExportError, Problem

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls, or an encrypted/password-protected .xlsx

RESAVE = "save it again as 'CSV UTF-8 (comma delimited)' or export it from LimeSurvey as CSV"


def file_error(path, reason: str, value=None) -> ExportError:
    return ExportError(Problem(file=str(path), row=None, column=None, value=value, reason=reason, kind="file"))


def read_bytes(path: Path) -> bytes:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise file_error(path, "file not found") from None
    except IsADirectoryError:
        raise file_error(path, "is a directory, not an export file") from None
    except OSError as e:
        raise file_error(path, f"cannot be read: {e.strerror or e}") from None
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise file_error(path, "empty file: no header and no responses")
    return data


def _guess_single_byte(data: bytes) -> str:
    """Serbian text in a Windows code page: cp1251 Cyrillic letters sit in 0xC0-0xFF in bulk,
    cp1250 Latin only uses a few high bytes (č ć š ž đ and capitals) among ASCII letters."""
    high = [b for b in data if b >= 0x80]
    if not high:
        return "an unknown encoding"
    letters_high = sum(1 for b in high if b >= 0xC0)
    ascii_letters = sum(1 for b in data if 65 <= b <= 90 or 97 <= b <= 122)
    if letters_high > 0.5 * len(high) and letters_high > 0.3 * ascii_letters:
        return "windows-1251 (Cyrillic)"
    cp1250_marks = {0x8A, 0x8E, 0x9A, 0x9E, 0xC6, 0xC8, 0xD0, 0xE6, 0xE8, 0xF0}
    if sum(1 for b in high if b in cp1250_marks) >= 0.5 * len(high):
        return "windows-1250 (Central European Latin)"
    return "a single-byte Windows/ISO code page"


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """Return (text, encoding label). Raises ExportError for binary or non-UTF-8 input."""
    if data.startswith(ZIP_MAGIC):
        raise file_error(path, "is a ZIP/XLSX file, not a CSV: read it with fmt='xlsx'")
    if data.startswith(OLE_MAGIC):
        raise file_error(path, "is a legacy .xls or password-protected Excel file: save it as .xlsx without a password")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 4 and data[1:2] == b"\x00" and data[3:4] == b"\x00"):
        raise file_error(path, f"not UTF-8: the file is UTF-16 (Excel 'Unicode Text'); {RESAVE}")
    head = data[:4096]
    if b"\x00" in head or sum(1 for b in head if b < 9 or 13 < b < 32) > 0.01 * len(head):
        raise file_error(path, "not a table: binary content (control bytes), not a text export")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        guess = _guess_single_byte(data)
        raise file_error(
            path,
            f"not UTF-8: byte 0x{data[e.start]:02X} on line {line} is not valid UTF-8; the file looks like {guess}; {RESAVE}",
        ) from None
    return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"


@dataclass
class ExportFile:
    """One export's bytes, read once, and its text, decoded at most once: format detection and
    the reader share both (a 100,000-row export is not read or decoded twice)."""
    path: Path
    data: bytes
    _text: tuple[str, str] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, source) -> "ExportFile":
        return source if isinstance(source, ExportFile) else cls(Path(source), read_bytes(Path(source)))

    def decoded(self) -> tuple[str, str]:
        """(text, encoding label); ExportError when not UTF-8 text (see decode_text)."""
        if self._text is None:
            self._text = decode_text(self.path, self.data)
        return self._text
