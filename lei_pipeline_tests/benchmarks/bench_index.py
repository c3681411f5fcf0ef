"""Benchmark: build the full ASEM index (all six steps, results) repeatedly in one process.

COINr 1.1.14 takes about 0.13 s per build of the same index; the goal is at least 10x faster.
Run: python -m lei_pipeline_tests.benchmarks.bench_index [--repeat N]"""
from __future__ import annotations

import argparse
import statistics
import time
from lei_pipeline.index import build
from lei_pipeline_tests.support.asem import asem_case, load_asem

COINR_SECONDS = 0.13
GOAL = 10.0


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200, help="timed builds (default 200)")
    args, _ = ap.parse_known_args(argv)

    data, fw, method, kw = asem_case(*load_asem())

    for _ in range(5):  # warm-up: imports, caches
        build(data, fw, method, **kw)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        build(data, fw, method, **kw)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    ratio = COINR_SECONDS / median
    print(f"bench_index: ASEM build ({len(data)} units, {len(fw.indicators)} indicators, "
          f"{len(fw.aggregates)} aggregates), {args.repeat} builds")
    print(f"  median {median * 1e3:.2f} ms/build, mean {statistics.mean(times) * 1e3:.2f} ms, "
          f"min {min(times) * 1e3:.2f} ms")
    print(f"  COINr {COINR_SECONDS * 1e3:.0f} ms/build -> {ratio:.1f}x faster "
          f"({'meets' if ratio >= GOAL else 'MISSES'} the {GOAL:.0f}x goal)")
    return {"median_s": median, "ratio": ratio, "meets_goal": ratio >= GOAL}


if __name__ == "__main__":
    main()
