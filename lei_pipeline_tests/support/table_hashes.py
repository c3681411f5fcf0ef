"""Content hashes of published tables, to show that a redesign publishes the same data.

A Parquet file's bytes change with things that are not the data (the writer's version, field
descriptions, row-group sizes), so the hash here is of the content only: column names, Arrow
types and values in row order, with all schema and field metadata dropped.

    python -m lei_pipeline_tests.support.table_hashes PUBLISHED_DIR [--out FILE]

prints (or writes) {"wave=W/TABLE": sha256} for the latest version of every wave."""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def content_hash(table: pa.Table) -> str:
    schema = pa.schema([pa.field(f.name, f.type, f.nullable) for f in table.schema])
    bare = pa.Table.from_arrays(table.columns, schema=schema).combine_chunks()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, bare.schema) as writer:
        writer.write_table(bare, max_chunksize=1 << 30)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def published_hashes(published_dir: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for wave_dir in sorted(Path(published_dir).glob("wave=*")):
        versions = sorted(wave_dir.glob("version=*"), key=lambda p: int(p.name.split("=")[1]))
        if not versions:
            continue
        for table in sorted(versions[-1].glob("*.parquet")):
            out[f"{wave_dir.name}/{table.stem}"] = content_hash(pq.read_table(table))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("published_dir", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    text = json.dumps(published_hashes(args.published_dir), indent=1, sort_keys=True) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
