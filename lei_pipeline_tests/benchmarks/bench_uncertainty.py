"""Benchmark: uncertainty analysis of the index, time per replication against time per full build.

1. ASEM (COINr's example): weights noise on pillars and sub-indices, three normalisations, two
   aggregations; the ratio compares a replication with a full build() measured in the same run.
2. Sobol sensitivity on the same spec (n * (d + 2) runs).
3. A synthetic LEI-shaped table (LEI methodology framework and goalposts) of 10,000 units with
   weights noise only.
Run: python -m lei_pipeline_tests.benchmarks.bench_uncertainty [--replications N] [--units N]"""
from __future__ import annotations

import argparse
import statistics
import time
from lei_pipeline.index import build, run_sensitivity, run_uncertainty
from lei_pipeline_tests.support.asem import asem_case, load_asem

ASEM_SPEC = {
    "seed": 1,
    "weights": {"noise": 0.25, "levels": [2, 3]},
    "alternatives": {
        "normalise": [{"method": "minmax", "range": [1, 100]}, {"method": "zscore", "mean": 10, "sd": 2}, {"method": "rank"}],
        "aggregate": ["arithmetic", "geometric"],
    },
}


def _median_build(data, fw, method, repeat: int, **kw) -> float:
    build(data, fw, method, **kw)  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        build(data, fw, method, **kw)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=500, help="ASEM replications (default 500)")
    ap.add_argument("--n", type=int, default=200, help="ASEM Sobol base sample size (default 200)")
    ap.add_argument("--units", type=int, default=10_000, help="units of the synthetic LEI table (default 10000)")
    ap.add_argument("--lei-replications", type=int, default=100, help="LEI replications (default 100)")
    args, _ = ap.parse_known_args(argv)

    data, fw, method, kw = asem_case(*load_asem())

    per_build = _median_build(data, fw, method, 50, **kw)
    run_uncertainty(data, fw, method, {**ASEM_SPEC, "replications": 20}, **kw)  # warm-up
    ua = run_uncertainty(data, fw, method, {**ASEM_SPEC, "replications": args.replications}, **kw)
    ratio = ua.seconds_per_replication / per_build
    print(f"bench_uncertainty: ASEM ({len(data)} units), weights noise 0.25 on levels 2-3, "
          f"3 normalisations x 2 aggregations, {args.replications} replications")
    print(f"  {ua.seconds:.3f} s total, {ua.seconds_per_replication * 1e3:.3f} ms/replication; "
          f"full build() {per_build * 1e3:.2f} ms -> ratio {ratio:.3f} ({1 / ratio:.0f}x cheaper than a build)")

    sa = run_sensitivity(data, fw, method, {**ASEM_SPEC, "sensitivity": {"n": args.n, "bootstrap": 1000}}, **kw)
    print(f"  Sobol: n={args.n}, {sa.runs} runs + 1000 bootstrap, {sa.seconds:.3f} s, "
          f"{sa.seconds_per_run * 1e3:.3f} ms/run; ST " + ", ".join(f"{i} {v:.2f}" for i, v in sa.indices["ST"].items()))

    from lei_pipeline.methodology import load_methodology
    from lei_pipeline_tests.index.test_uncertainty import lei_table

    m = load_methodology()
    lei = lei_table(m, args.units)
    lfw, lmethod = m.framework(), m.method()
    lei_build = _median_build(lei, lfw, lmethod, 5, id_col="unit_code")
    spec = {"seed": 1, "replications": args.lei_replications, "weights": {"noise": 0.25, "levels": [1, 2, 3]}}
    ul = run_uncertainty(lei, lfw, lmethod, spec, id_col="unit_code")
    lratio = ul.seconds_per_replication / lei_build
    print(f"bench_uncertainty: synthetic LEI ({args.units} units, {len(lfw.indicators)} indicators), "
          f"weights noise 0.25 on levels 1-3, {args.lei_replications} replications")
    print(f"  {ul.seconds:.3f} s total, {ul.seconds_per_replication * 1e3:.2f} ms/replication; "
          f"full build() {lei_build * 1e3:.1f} ms -> ratio {lratio:.3f}")
    return {"asem_s_per_replication": ua.seconds_per_replication, "asem_build_s": per_build, "asem_ratio": ratio,
            "sobol_s_per_run": sa.seconds_per_run, "lei_s_per_replication": ul.seconds_per_replication,
            "lei_build_s": lei_build, "lei_ratio": lratio}


if __name__ == "__main__":
    main()
