"""A very large export written in a stream (never held in memory by the test): the base export's
rows repeated, each with its own response id, up to a target size."""
from __future__ import annotations

from pathlib import Path

from .base import base_export


def write_big_export(path: Path, target_bytes: int, wave: str = "2022") -> int:
    """Write a LimeSurvey CSV of at least target_bytes; returns the number of data rows."""
    e = base_export(wave)
    header, *rows = e.csv_text().split("\r\n")[:-1]
    rows = [r.split(",", 1)[1] for r in rows]          # drop the id, re-numbered below
    n = 0
    size = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        size += f.write(header + "\r\n")
        block = []
        while size < target_bytes:
            for r in rows:
                n += 1
                line = f'"{n}",{r}\r\n'
                block.append(line)
                size += len(line.encode("utf-8"))
            if len(block) >= 6000:
                f.write("".join(block))
                block = []
        f.write("".join(block))
    return n
