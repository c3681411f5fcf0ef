"""Benchmark: uncertainty analysis, time per replication, batched against per-replication builds
measured in the same run (ratios), on COINr's ASEM example and on an LEI wave (the 2022 sample).

1. ASEM: weights noise 0.25 on pillars and sub-indices, three normalisations x two aggregations
   (the spec compared with COINr in the README).
2. The 2022 sample wave (140 units) under data/methodology/lei-v1-uncertainty.yaml: weights
   noise per level, two means, three eligibility thresholds. The answer readings re-score the
   wave through the methodology's scorer once per reading combination: a fixed cost, timed apart.
3. Sobol sensitivity on ASEM (n * (d + 2) runs).
"Per replication" = a fresh build() with the replication's weights and options, which is what the
batched results are checked against. CPU time is printed next to wall time: on a shared machine
wall time includes waiting for a core. COINr is not run here (see README for its reference figure).
Run: python -m lei_pipeline_tests.benchmarks bench_uncertainty [--replications N] [--per-build N]"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from lei_pipeline.index import Uncertainty, build, run_sensitivity, run_uncertainty
from lei_pipeline.index.uncertainty import Replicator
from lei_pipeline_tests.support.asem import asem_case, load_asem

ASEM_SPEC = {
    "seed": 1,
    "weights": {"noise": 0.25, "levels": [2, 3]},
    "alternatives": {
        "normalise": [{"method": "minmax", "range": [1, 100]}, {"method": "zscore", "mean": 10, "sd": 2}, {"method": "rank"}],
        "aggregate": ["arithmetic", "geometric"],
    },
}


def _timed(f):
    w, c = time.perf_counter(), time.process_time()
    out = f()
    return out, time.perf_counter() - w, time.process_time() - c


def _per_replication_builds(data, fw, method, spec: Uncertainty, runs: int, **kw) -> float:
    """Seconds per replication when each one is a fresh build() (the reference the batch matches)."""
    rep = Replicator(data, fw, method, spec, **kw)
    u = np.random.default_rng(spec.seed).random((runs, rep.n_vars))
    params = rep.parameters(u)
    mult, _ = rep.decode(u)
    frameworks, methods = [], []
    for r in range(runs):
        scale = dict(zip(rep.noisy, mult[r]))
        nodes = [replace(n, weight=n.weight * scale[n.code]) if n.code in scale else n for n in fw.nodes]
        frameworks.append(type(fw)(nodes=nodes, groups=fw.groups, denominators=fw.denominators))
        over = {s: rep.spec.alternatives[s][int(params.loc[r, f"{s}_option"])].spec for s in rep.steps}
        methods.append(replace(method, **over))
    t0 = time.perf_counter()
    for f, m in zip(frameworks, methods):
        build(data, f, m, **kw)
    return (time.perf_counter() - t0) / runs


def _report(name: str, n: int, wall: float, cpu: float, per_build: float, goal: float) -> dict:
    per = wall / n
    print(f"  batched: {n} replications in {wall:.3f} s wall ({cpu:.3f} s CPU): {per * 1e6:.1f} us/replication")
    print(f"  per-replication build(): {per_build * 1e3:.2f} ms/replication -> batched is {per_build / per:,.0f}x faster")
    verdict = "met" if wall < goal else ("met on CPU time, wall time includes waiting for a core" if cpu < goal else "NOT met")
    print(f"  goal {n} replications < {goal} s: {verdict}")
    return {f"{name}_s_per_replication": per, f"{name}_cpu_s": cpu, f"{name}_build_s": per_build,
            f"{name}_ratio": per_build / per}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=10_000, help="batched replications (default 10000)")
    ap.add_argument("--per-build", type=int, default=200, help="replications rebuilt one by one (default 200)")
    ap.add_argument("--n", type=int, default=200, help="ASEM Sobol base sample size (default 200)")
    args, _ = ap.parse_known_args(argv)
    out: dict = {}

    data, fw, method, kw = asem_case(*load_asem())
    spec = Uncertainty.from_dict({**ASEM_SPEC, "replications": args.replications})
    run_uncertainty(data, fw, method, replace(spec, replications=50), **kw)  # warm-up
    ua, wall, cpu = _timed(lambda: run_uncertainty(data, fw, method, spec, **kw))
    print(f"bench_uncertainty: ASEM ({len(data)} units), weights noise 0.25 on levels 2-3, "
          f"3 normalisations x 2 aggregations")
    out |= _report("asem", args.replications, wall, cpu,
                   _per_replication_builds(data, fw, method, spec, args.per_build, **kw), goal=0.5)

    sa = run_sensitivity(data, fw, method, {**ASEM_SPEC, "sensitivity": {"n": args.n, "bootstrap": 1000}}, **kw)
    print(f"  Sobol: n={args.n}, {sa.runs} runs + 1000 bootstrap, {sa.seconds:.3f} s, "
          f"{sa.seconds_per_run * 1e6:.1f} us/run; ST " + ", ".join(f"{i} {v:.2f}" for i, v in sa.indices["ST"].items()))
    out["sobol_s_per_run"] = sa.seconds_per_run

    from lei_pipeline.uncertainty import load_spec, rescorer
    from lei_pipeline.uncertainty.readings import wide_indicators
    from lei_pipeline_tests.support.wave_tables import wave_tables

    w = wave_tables("2022")
    m = w.inputs.methodology
    lei_spec, _, path = load_spec(m.path)
    lei_spec = replace(lei_spec, replications=args.replications)
    table = wide_indicators(w.indicators, m)
    lfw, lmethod = m.framework(), m.method()
    no_readings = replace(lei_spec, readings={})
    run_uncertainty(table, lfw, lmethod, replace(no_readings, replications=50), id_col="unit_code")  # warm-up
    _, lwall, lcpu = _timed(lambda: run_uncertainty(table, lfw, lmethod, no_readings, id_col="unit_code"))
    print(f"bench_uncertainty: LEI wave 2022 ({len(table)} units, {len(lfw.indicators)} indicators), "
          f"{path.name} without its readings")
    out |= _report("lei", args.replications, lwall, lcpu,
                   _per_replication_builds(table, lfw, lmethod, no_readings, args.per_build, id_col="unit_code"),
                   goal=1.0)
    rescore = rescorer(w.responses, w.inputs.questionnaire, m)
    combos = int(np.prod([len(v) for v in lei_spec.readings.values()]))
    _, rwall, _ = _timed(lambda: run_uncertainty(table, lfw, lmethod, lei_spec, rescore=rescore, id_col="unit_code"))
    print(f"  with the readings ({combos} re-scorings of the wave, once each): {rwall:.2f} s for "
          f"{args.replications} replications")
    out["lei_with_readings_s"] = rwall
    return out


if __name__ == "__main__":
    main()
