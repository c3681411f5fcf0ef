"""Benchmark: one LEI wave end to end, three ways, at several sizes, in one run of the benchmark:

- bare:    benchmarks/bare_reference.py (polars reads and types, numpy computes; no validation,
           no orchestration, no publishing): the floor the pipeline is measured against;
- plain:   the pipeline's core functions called in order (read, pandera, clean, score, index,
           change, Great Expectations suites, publish), no Dagster;
- dagster: the wave's assets materialised in-process as `lei run` does (its worker, which reads
           the export and then imports GE, started after the imports, as the time starts; the
           CLI's instance), every check running.

Each run is a child process (peak memory = its VmHWM) on its own copy of a data directory written
by `lei sample --units N --seed 42 --wave 2024`. The bare script's scores, ranks and categories
are checked equal to the pipeline's published ones; at 10,000 units the published tables are
compared with the content hashes `lei run` published before the columnar redesign
(lei_pipeline_tests/fixtures/redesign/wave-10000-lei-sample.json): IDENTICAL or DIFFERENT. Last, the three
sample waves are published as `make run` does (`lei run` in a child process, fresh instance).
Above 50,000 units the wave's uncertainty spec is scaled down (_support.SCALED_ANALYSIS: the
analysis grows with units x replications; bench_uncertainty measures it) and the summary also
gives every ratio without the uncertainty analysis, the one stage the bare script does not do.

Run: python -m lei_pipeline_tests.benchmarks.bench_pipeline [--sizes 10000,100000] [--no-sample-waves]
GOALS (issue 17; goals, not measurements): the Dagster path at 100,000 units within 2x of the
bare script's time and of its peak memory; `make run` on the three sample waves under 15 s."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lei_pipeline_tests.benchmarks._support import SCALED_ANALYSIS, SCALED_FROM, make_data_dir, without_analysis
from lei_pipeline_tests.benchmarks.tree_memory import TreeMemory

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "lei_pipeline_tests" / "fixtures" / "redesign"
DEFAULT_SIZES = "10000,100000"
GOAL_RATIO = 2.0          # goal: Dagster path / bare script, time and peak memory, at 100,000 units
GOAL_RUN_SECONDS = 15.0   # goal: `make run` on the three sample waves
SCORE_TOLERANCE = 1e-9    # float sums in another order may differ in the last bits


def _env(data_dir: Path, home: Path | None = None) -> dict:
    env = {**os.environ, "DAGSTER_DISABLE_TELEMETRY": "1", "GX_ANALYTICS_ENABLED": "false",
           "LEI_DATA_DIR": str(data_dir)}
    env.pop("LEI_REGISTRY_FILE", None)
    env.pop("LEI_CATALOG_URL", None)
    env.pop("LEI_STORAGE_URL", None)
    if home is not None:
        env["DAGSTER_HOME"] = str(home)
    return env


def _child(mode: str, n: int, data_dir: Path) -> dict:
    """The run's own figures, and the memory of its processes sampled together (tree_memory):
    joint_peak_mb, and joint_peak_without_analysis_mb for a run with an analysis stage."""
    proc = subprocess.Popen([sys.executable, "-m", "lei_pipeline_tests.benchmarks._support", mode, str(n),
                             str(data_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(data_dir))
    with TreeMemory(proc.pid) as memory:
        stdout, stderr = proc.communicate()
    line = next((ln for ln in stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"{mode} run at {n} units failed:\n{stderr[-3000:]}")
    out = json.loads(line.split(" ", 1)[1])
    window = out.get("analysis_span")
    out["joint_peak_mb"] = memory.peak()
    out["joint_peak_without_analysis_mb"] = memory.peak_without(tuple(window) if window else None)
    return out


def latest_table(published: Path, wave: str, table: str) -> Path:
    versions = sorted((published / f"wave={wave}").glob("version=*"), key=lambda p: int(p.name.split("=")[1]))
    return versions[-1] / f"{table}.parquet"


def score_differences(bare: Path, published: Path, wave: str = "2024", skip_units=(), skip_columns=()) -> list[str]:
    """What differs between the bare script's scores and the published ones (empty: equal)."""
    import polars as pl

    b = pl.read_parquet(bare).filter(~pl.col("unit_code").is_in(list(skip_units))).drop(list(skip_columns))
    p = pl.read_parquet(latest_table(published, wave, "scores")).filter(~pl.col("unit_code").is_in(list(skip_units)))
    out = []
    if sorted(b["unit_code"]) != sorted(p["unit_code"].cast(pl.String)):
        return [f"units differ: bare {b.height}, published {p.height}"]
    j = p.with_columns(pl.col("unit_code").cast(pl.String)).join(b, on="unit_code", suffix="_bare")
    for c in [c for c in b.columns if c not in ("wave", "unit_code")]:
        x, y = j[c], j[f"{c}_bare"]
        if x.dtype.is_float():
            both = x.is_null() & y.is_null() | (x.is_nan() & y.is_nan()).fill_null(False)
            bad = ~both & ((x - y).abs() > SCORE_TOLERANCE).fill_null(True)
        else:
            bad = ~((x.cast(pl.String) == y.cast(pl.String)).fill_null(False) | (x.is_null() & y.is_null()))
        if bad.any():
            i = int(bad.arg_max())
            out.append(f"{c}: {int(bad.sum())} units, e.g. {j['unit_code'][i]} published {x[i]!r} bare {y[i]!r}")
    return out


def indicator_differences(bare: Path, published: Path, wave: str = "2024") -> list[str]:
    """Indicators whose values differ between the bare script's matrix and the published long table."""
    import polars as pl

    b = pl.read_parquet(bare)
    long = pl.read_parquet(latest_table(published, wave, "indicators"), columns=["unit_code", "indicator", "value"])
    p = long.with_columns(pl.col("unit_code").cast(pl.String), pl.col("indicator").cast(pl.String)).pivot(
        on="indicator", index="unit_code", values="value")
    j = p.join(b, on="unit_code", suffix="_bare")
    if j.height != b.height or j.height != p.height:
        return [f"units differ: bare {b.height}, published {p.height}"]
    out = []
    for c in [c for c in b.columns if c != "unit_code"]:
        if c not in p.columns:
            out.append(f"{c}: not published")
            continue
        x, y = j[c].fill_nan(None), j[f"{c}_bare"].fill_nan(None)
        bad = ~((x.is_null() & y.is_null()) | ((x - y).abs() <= SCORE_TOLERANCE).fill_null(False))
        if bad.any():
            i = int(bad.arg_max())
            out.append(f"{c}: {int(bad.sum())} units, e.g. {j['unit_code'][i]} published {x[i]!r} bare {y[i]!r}")
    return out


def _hash_verdict(published: Path, fixture: Path) -> str:
    from lei_pipeline_tests.support.table_hashes import published_hashes

    want = json.loads(fixture.read_text(encoding="utf-8"))
    got = published_hashes(published)
    diff = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
    return "IDENTICAL" if not diff else "DIFFERENT (" + ", ".join(diff) + ")"


def _args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma-separated unit counts (default {DEFAULT_SIZES})")
    ap.add_argument("--no-sample-waves", action="store_true", help="skip timing `lei run` on the three sample waves")
    # `python -m lei_pipeline_tests.benchmarks bench_pipeline --sizes ...` passes module names too
    args, _ = ap.parse_known_args(sys.argv[1:] if argv is None else argv)
    args.sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
    return args


def run_size(n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"lei-bench-{n}-") as tmp:
        t0 = time.perf_counter()
        data = make_data_dir(n, Path(tmp) / "bare")
        for mode in ("plain", "dagster"):   # separate catalogs: each run publishes version 1
            shutil.copytree(data, Path(tmp) / mode / "data")
        prep = time.perf_counter() - t0
        out = {"prepare_s": prep}
        for mode in ("bare", "plain", "dagster"):
            out[mode] = _child(mode, n, Path(tmp) / mode / "data")
        bare_scores = Path(tmp) / "bare" / "bare-scores.parquet"
        out["checks"] = {mode: score_differences(bare_scores, Path(tmp) / mode / "data" / "published")
                         for mode in ("plain", "dagster")}
        out["indicator_checks"] = indicator_differences(Path(tmp) / "bare" / "bare-indicators.parquet",
                                                        Path(tmp) / "dagster" / "data" / "published")
        fixture = FIXTURES / f"wave-{n}-lei-sample.json"
        if fixture.is_file():
            out["hashes"] = _hash_verdict(Path(tmp) / "dagster" / "data" / "published", fixture)
    return out


def time_sample_waves() -> dict:
    """`make run` on a copy of data/ (nothing published yet) with a fresh Dagster instance."""
    with tempfile.TemporaryDirectory(prefix="lei-bench-run-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("published", "catalog*", "work"))
        lei = Path(sys.executable).with_name("lei")
        t0 = time.perf_counter()
        proc = subprocess.run([str(lei), "run"], capture_output=True, text=True, env=_env(data, Path(tmp) / "home"))
        seconds = time.perf_counter() - t0
        if proc.returncode:
            raise RuntimeError(f"lei run on the sample waves failed:\n{proc.stderr[-3000:]}")
        fixture = FIXTURES / "sample-waves.json"
        verdict = _hash_verdict(data / "published", fixture) if fixture.is_file() else None
    return {"seconds": seconds, "hashes": verdict}


def main(argv: list[str] | None = None) -> dict:
    args = _args(argv)
    results: dict[int, dict] = {}
    for n in args.sizes:
        results[n] = run_size(n)
        _print_size(n, results[n])
    run = None if args.no_sample_waves else time_sample_waves()
    _print_summary(results, run)
    return {"sizes": results, "sample_waves": run}


def _print_size(n: int, r: dict) -> None:
    print(f"bench_pipeline: {n:,} units x full questionnaire (lei sample --units {n} --wave 2024), "
          f"data directory written in {r['prepare_s']:.1f} s"
          + (f"; uncertainty spec scaled down to {SCALED_ANALYSIS}" if n > SCALED_FROM else ""), flush=True)
    for mode in ("bare", "plain", "dagster"):
        m = r[mode]
        stages = ", ".join(f"{k} {v:.2f}" for k, v in m["stages"].items())
        worker = f" incl. the GE worker's {m['worker_peak_mb']:,.0f}" if m.get("worker_peak_mb") else ""
        print(f"  {mode:<8}: total {m['total']:.2f} s, peak {m['peak_mb']:,.0f} MB{worker}"
              f" (sampled together {m['joint_peak_mb']:,.0f} MB)" + (f" ({stages} s)" if stages else ""))
    for mode, diffs in r["checks"].items():
        print(f"  bare scores vs {mode} published: " + ("EQUAL" if not diffs else "NOT EQUAL: " + "; ".join(diffs[:5])))
    diffs = r["indicator_checks"]
    print("  bare indicator values vs dagster published: " + ("EQUAL" if not diffs else "NOT EQUAL: " + "; ".join(diffs[:5])))
    if "hashes" in r:
        print(f"  published tables vs fixtures/redesign/wave-{n}-lei-sample.json: {r['hashes']}")


def _print_summary(results: dict, run: dict | None) -> None:
    print("\n  units    bare s  plain s  dagster s  plain/bare  dagster/bare  bare MB  plain MB  dagster MB  dagster/bare MB")
    for n in sorted(results):
        b, p, d = (results[n][m] for m in ("bare", "plain", "dagster"))
        print(f"  {n:>7,} {b['total']:8.2f} {p['total']:8.2f} {d['total']:10.2f} {p['total'] / b['total']:10.1f}x "
              f"{d['total'] / b['total']:12.1f}x {b['peak_mb']:8,.0f} {p['peak_mb']:9,.0f} {d['peak_mb']:11,.0f} "
              f"{d['peak_mb'] / b['peak_mb']:15.1f}x")
    print("\n  without the uncertainty analysis (the bare script has none; plain stage `uncertainty`, "
          "Dagster step `wave_uncertainty`):")
    print("  units  analysis          plain s  dagster s  plain/bare  dagster/bare")
    for n in sorted(results):
        b, p, d = (results[n][m] for m in ("bare", "plain", "dagster"))
        pu, (du, hidden) = p["total"] - p["stages"].get("uncertainty", 0.0), without_analysis(d)
        size = "scaled down" if n > SCALED_FROM else "the spec's"
        print(f"  {n:>7,} {size:<15} {pu:8.2f} {du:10.2f} {pu / b['total']:10.1f}x {du / b['total']:12.1f}x"
              f"   ({hidden:.1f} s of GE suites beside the analysis counted back in)")
    print("\n  peak memory, MB: VmHWM = each process's own peak, summed over the Dagster path's two (an upper"
          " bound); sampled = their sum at one instant,\n  every 5 ms from outside (tree_memory); without = the"
          " same, the analysis left out (the GE worker's suites beside it kept)")
    print("  units    bare  dagster VmHWM  sampled  without  | dagster/bare: VmHWM  sampled  without")
    for n in sorted(results):
        b, d = results[n]["bare"], results[n]["dagster"]
        print(f"  {n:>7,} {b['peak_mb']:6,.0f} {d['peak_mb']:14,.0f} {d['joint_peak_mb']:8,.0f} "
              f"{d['joint_peak_without_analysis_mb']:8,.0f}  | {d['peak_mb'] / b['peak_mb']:18.1f}x "
              f"{d['joint_peak_mb'] / b['joint_peak_mb']:7.1f}x {d['joint_peak_without_analysis_mb'] / b['joint_peak_mb']:7.1f}x")
    big = max(results) if results else None
    if big:
        d, b = results[big]["dagster"], results[big]["bare"]
        t, mem = d["total"] / b["total"], d["peak_mb"] / b["peak_mb"]
        tu = without_analysis(d)[0] / b["total"]
        mu = d["joint_peak_without_analysis_mb"] / b["joint_peak_mb"]
        print(f"  GOAL: Dagster path at 100,000 units within {GOAL_RATIO:.0f}x of the bare script (time and peak memory)")
        print(f"  measured at {big:,}: time {t:.1f}x, peak memory {mem:.1f}x (VmHWM) "
              f"({'met' if t <= GOAL_RATIO and mem <= GOAL_RATIO else 'not met'}); without the uncertainty analysis: "
              f"time {tu:.1f}x, peak memory {mu:.1f}x sampled "
              f"({'met' if tu <= GOAL_RATIO and mu <= GOAL_RATIO else 'not met'})"
              f"{'' if big == 100_000 else '; not the goal size'}")
    if run:
        print(f"  GOAL: `make run` on the three sample waves under {GOAL_RUN_SECONDS:.0f} s")
        print(f"  measured: `lei run` on the three sample waves {run['seconds']:.1f} s "
              f"({'met' if run['seconds'] < GOAL_RUN_SECONDS else 'not met'}; fresh instance, after the install)"
              + (f"; published tables vs fixtures/redesign/sample-waves.json: {run['hashes']}" if run["hashes"] else ""))


if __name__ == "__main__":
    main()
