"""Benchmark: one LEI wave end to end (read -> validate -> indicators -> index -> publish) as a
plain script of core calls and through Dagster in-process, at several sizes.

Prints per size: seconds per stage, total, units/s, peak MB (each run in its own process),
the orchestration overhead (Dagster / plain, same size, same run of the benchmark) and the
growth ratio between the two largest sizes against their size ratio.
Run: python -m lei_pipeline_tests.benchmarks.bench_pipeline [--sizes 140,10000,100000] [--plain-only]
Goals (issue 7): 100,000 units in < 60 s and < 4 GB on 2 cores; Dagster < 1.5x plain."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lei_pipeline_tests.benchmarks._support import make_data_dir

DEFAULT_SIZES = "140,10000,100000"
GOAL_SECONDS, GOAL_MB, GOAL_OVERHEAD = 60.0, 4096.0, 1.5


def _child(mode: str, n: int, data_dir: Path) -> dict:
    env = {**os.environ, "DAGSTER_DISABLE_TELEMETRY": "1", "GX_ANALYTICS_ENABLED": "false",
           "LEI_DATA_DIR": str(data_dir)}
    proc = subprocess.run([sys.executable, "-m", "lei_pipeline_tests.benchmarks._support", mode, str(n), str(data_dir)],
                          capture_output=True, text=True, env=env)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"{mode} run at {n} units failed:\n{proc.stderr[-3000:]}")
    return json.loads(line.split(" ", 1)[1])


def _args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma-separated unit counts (default {DEFAULT_SIZES})")
    ap.add_argument("--plain-only", action="store_true", help="skip the Dagster runs")
    # `python -m lei_pipeline_tests.benchmarks bench_pipeline --sizes ...` passes module names too
    args, _ = ap.parse_known_args(sys.argv[1:] if argv is None else argv)
    args.sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
    return args


def main(argv: list[str] | None = None) -> dict:
    args = _args(argv)
    results: dict[int, dict] = {}
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"lei-bench-{n}-") as tmp:
            t0 = time.perf_counter()
            make_data_dir(n, Path(tmp) / "plain")
            make_data_dir(n, Path(tmp) / "dagster")  # separate catalogs: each run publishes version 1
            prep = time.perf_counter() - t0
            plain = _child("plain", n, Path(tmp) / "plain" / "data")
            dag = None if args.plain_only else _child("dagster", n, Path(tmp) / "dagster" / "data")
        results[n] = {"plain": plain, "dagster": dag, "prepare_s": prep}
        _print_size(n, plain, dag, prep)
    summary = _print_summary(results)
    return {"sizes": results, **summary}


def _print_size(n, plain, dag, prep):
    print(f"bench_pipeline: {n:,} units x full questionnaire (wave {2024}), export written in {prep:.1f} s")
    st = plain["stages"]
    print("  plain  : " + ", ".join(f"{k} {v:.2f}" for k, v in st.items()) + " s")
    print(f"           total {plain['total']:.2f} s, {n / plain['total']:,.0f} units/s, "
          f"{plain['indicator_rows'] / plain['total']:,.0f} indicator rows/s, peak {plain['peak_mb']:,.0f} MB")
    if dag:
        print("  dagster: " + ", ".join(f"{k} {v:.2f}" for k, v in dag["stages"].items()) + " s")
        print(f"           total {dag['total']:.2f} s (materialize {dag['run_seconds']:.2f} s), "
              f"{n / dag['total']:,.0f} units/s, peak {dag['peak_mb']:,.0f} MB")
        print(f"  overhead: dagster / plain = {dag['total'] / plain['total']:.2f}x")


def _print_summary(results: dict) -> dict:
    sizes = sorted(results)
    out: dict = {}
    print("\n  units     plain s  dagster s  overhead  plain MB  dagster MB")
    for n in sizes:
        p, d = results[n]["plain"], results[n]["dagster"]
        ds = f"{d['total']:9.2f}" if d else "        -"
        ov = f"{d['total'] / p['total']:7.2f}x" if d else "       -"
        dm = f"{d['peak_mb']:10,.0f}" if d else "         -"
        print(f"  {n:>7,} {p['total']:9.2f} {ds} {ov} {p['peak_mb']:9,.0f} {dm}")
    if len(sizes) >= 2:
        a, b = sizes[-2], sizes[-1]
        for mode in ("plain", "dagster"):
            if results[a][mode] and results[b][mode]:
                growth = results[b][mode]["total"] / results[a][mode]["total"]
                size_ratio = b / a
                verdict = "linear or better" if growth <= size_ratio * 1.1 else "SUPERLINEAR"
                print(f"  growth {mode}: time {b:,}/{a:,} = {growth:.2f}x for {size_ratio:.0f}x the units ({verdict})")
                out[f"growth_{mode}"] = growth
    big = sizes[-1]
    if big >= 100_000:
        d = results[big]["dagster"] or results[big]["plain"]
        which = "dagster" if results[big]["dagster"] else "plain"
        ok_t, ok_m = d["total"] < GOAL_SECONDS, d["peak_mb"] < GOAL_MB
        print(f"  goal at {big:,} ({which}): {d['total']:.1f} s ({'meets' if ok_t else 'MISSES'} < {GOAL_SECONDS:.0f} s), "
              f"{d['peak_mb']:,.0f} MB ({'meets' if ok_m else 'MISSES'} < {GOAL_MB:,.0f} MB)")
        if results[big]["dagster"]:
            ov = results[big]["dagster"]["total"] / results[big]["plain"]["total"]
            print(f"  goal overhead at {big:,}: {ov:.2f}x ({'meets' if ov < GOAL_OVERHEAD else 'MISSES'} < {GOAL_OVERHEAD}x)")
    return out


if __name__ == "__main__":
    main()
