"""Benchmark: publish and load one large wave on local disk and on an S3-compatible object store
(SeaweedFS on loopback, started by the test support), through the same storage layer.

    python -m lei_pipeline_tests.benchmarks bench_storage [--units 100000]

Prints seconds per step and the ratio object store / local disk, measured in the same run.
Quality suites are skipped (quality=False): this measures writing, uploading, hashing and reading."""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

INDICATORS = 75


def wave_tables(n: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Tables shaped like a published wave: one scores row and INDICATORS indicator rows per unit."""
    rng = np.random.default_rng(seed)
    units = pd.Series([f"U{i:07d}" for i in range(n)], dtype="str")
    scores = pd.DataFrame({"wave": pd.Series(["2024"] * n, dtype="str"), "unit_code": units,
                           "lei": rng.uniform(0, 100, n).round(2), "rank": np.arange(1, n + 1, dtype="int64")})
    for c in ("infrastructure", "services", "transparency"):
        scores[c] = rng.uniform(0, 100, n).round(2)
    indicators = pd.DataFrame({
        "unit_code": pd.Series(np.repeat(units.to_numpy(), INDICATORS), dtype="str"),
        "indicator": pd.Series(np.tile([f"I{j:02d}" for j in range(INDICATORS)], n), dtype="str"),
        "value": rng.uniform(0, 100, n * INDICATORS).round(3),
    })
    return {"scores": scores, "indicators": indicators}


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _measure(settings, tables, methodology) -> dict[str, float]:
    from lei_pipeline.publish import load, publish_snapshot
    from lei_pipeline.publish import integrity
    from lei_pipeline_tests.support.sample_tables import provenance

    _, pub = _timed(lambda: publish_snapshot(settings, "2024", tables, provenance(methodology), quality=False))
    integrity.forget()  # the first load hashes the files, as a fresh reader would
    frame, first = _timed(lambda: load("indicators", wave="2024", settings=settings))
    assert len(frame) == len(tables["indicators"])
    _, again = _timed(lambda: load("indicators", wave="2024", settings=settings))
    return {"publish": pub, "load indicators": first, "load again (hash cached)": again}


def main(argv: list[str] | None = None) -> dict:
    from lei_pipeline.settings import Settings
    from lei_pipeline_tests.support.sample_tables import write_methodology
    from lei_pipeline_tests.support.s3server import local_server

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=100_000)
    args, _ = ap.parse_known_args(argv)
    tables = wave_tables(args.units)
    rows = len(tables["indicators"])
    print(f"bench_storage: {args.units:,} units ({rows:,} indicator rows), publish + load, same code on both")
    results = {}
    with tempfile.TemporaryDirectory(prefix="lei-bench-storage-") as tmp:
        root = Path(tmp)
        methodology = write_methodology(root)
        local = Settings.from_env(data_dir=root / "local", catalog_url=f"sqlite:///{root / 'local.sqlite'}")
        results["local disk"] = _measure(local, tables, methodology)
        with local_server() as server:
            os.environ.update(server.env())
            bucket = Settings.from_env(data_dir=root / "bucket", catalog_url=f"sqlite:///{root / 'bucket.sqlite'}",
                                       storage_url=f"s3://{server.new_bucket()}/published")
            results["object store"] = _measure(bucket, tables, methodology)
    print(f"  {'step':<28}{'local s':>10}{'bucket s':>10}{'ratio':>8}")
    for step in results["local disk"]:
        a, b = results["local disk"][step], results["object store"][step]
        print(f"  {step:<28}{a:10.2f}{b:10.2f}{b / a:8.2f}x")
    return results


if __name__ == "__main__":
    main()
