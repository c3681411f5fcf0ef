"""Helpers for bench_pipeline: a throw-away data directory holding one synthetic wave (`lei sample`),
and the three ways of running it (the bare reference script, plain core calls, Dagster in-process),
each in its own child process so that peak memory (VmHWM) belongs to one run only.

Child entry point: python -m lei_pipeline_tests.benchmarks._support {bare|plain|dagster} N DATA_DIR
prints one JSON line: seconds per stage, total, peak MB, rows. The bare run also writes its scores
to DATA_DIR/../bare-scores.parquet, for the benchmark to compare with the published ones."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

WAVE = "2024"
SEED = 42


# The uncertainty analysis is the one stage whose cost grows with units x replications x Sobol
# runs (bench_uncertainty measures it per replication). Above SCALED_FROM units the bench wave's
# spec is cut to this size, so a 100,000-unit wave finishes in minutes, not an hour; the stage
# still runs (every table published, every check), and the summary gives ratios with and without it.
SCALED_FROM = 50_000
SCALED_ANALYSIS = {"replications": 100, "sensitivity": {"n": 20, "bootstrap": 100, "confidence": 0.95}}


def make_data_dir(n_units: int, root: Path) -> Path:
    """root/data: what `lei sample --units n_units --out root/data --seed 42 --wave 2024` writes
    (the inputs, a registry covering the synthetic units, waves.yaml, one LimeSurvey export);
    above SCALED_FROM units the uncertainty specs are cut to SCALED_ANALYSIS."""
    from lei_pipeline.sample.data_dir import write_data_dir

    write_data_dir(root / "data", n_units, seed=SEED, wave=WAVE)
    if n_units > SCALED_FROM:
        scale_analysis(root / "data")
    return root / "data"


def scale_analysis(data_dir: Path) -> None:
    import yaml

    for path in sorted((data_dir / "methodology").glob("*-uncertainty.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec.update(SCALED_ANALYSIS)
        path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")


def peak_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Stages:
    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.spans: dict[str, tuple[float, float]] = {}   # first start, last end (time.time())

    def __call__(self, name, fn, *args, **kwargs):
        t0, began = time.perf_counter(), time.time()
        out = fn(*args, **kwargs)
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
        self.spans[name] = (self.spans.get(name, (began,))[0], time.time())
        return out


def run_plain(n_units: int, data_dir: str) -> dict:
    """The same computation as the wave's assets, calling the core directly: no Dagster."""
    from lei_pipeline.methodology import compose_index, score_matrix
    from lei_pipeline.change.previous import compare_with_previous, previous_wave
    from lei_pipeline.publish.provenance import build_provenance, is_synthetic
    from lei_pipeline.publish import publish_snapshot
    from lei_pipeline.publish.parquet_io import RowBatches
    from lei_pipeline.publish.quality_report import report_dir
    from lei_pipeline.publish.quality_gate import quality_report
    from lei_pipeline.schemas import Change, CleanResponses, Indicators, RawResponses, Scores, validate_table
    from lei_pipeline.schemas.validate import validate_indicators
    from lei_pipeline.settings import Settings
    from lei_pipeline.survey.clean import clean_responses
    from lei_pipeline.survey.readers import read_export
    from lei_pipeline.waves.declared import find_export

    st = _Stages()
    t0 = time.perf_counter()
    settings = Settings.from_env(data_dir=data_dir)
    from lei_pipeline.waves.inputs import load_inputs

    inputs = st("inputs", load_inputs, settings)
    q, m = inputs.questionnaire, inputs.methodology
    raw = st("read", read_export, find_export(settings, WAVE), q, wave=WAVE)
    failures = st("validate", validate_table, RawResponses, raw.frame)
    clean = st("clean", clean_responses, raw.frame, q, inputs.registry, WAVE, matcher=inputs.matcher)
    failures += st("validate", validate_table, CleanResponses, clean.frame)
    from lei_pipeline.methodology.weights import effective_weights
    from lei_pipeline.uncertainty import analyse_wave, load_spec
    from lei_pipeline.waves.declared import reference_dates

    facts = dict(registry=inputs.registry, reference_dates=reference_dates(settings))
    ind = st("indicators", score_matrix, clean.frame, q, m, **facts)   # wide, as the asset hands it on
    failures += st("validate", validate_indicators, Indicators, ind, m)
    scores = st("index", compose_index, ind, inputs.registry, m)
    failures += st("validate", validate_table, Scores, scores)
    prev = st("change", previous_wave, settings, WAVE)
    change = st("change", compare_with_previous, settings, WAVE, prev, ind, scores, m, q, inputs.registry).frame
    failures += st("validate", validate_table, Change, change)
    spec = load_spec(m.path)[0]
    unc = st("uncertainty", analyse_wave, WAVE, clean.frame, ind, scores, q, m, spec, score_kwargs=facts).tables()
    # the long table written a row group at a time, as the Dagster step does
    tables = {"responses": clean.frame, "indicators": RowBatches(len(ind), ind.long_rows), "scores": scores,
              "change": change}
    # the suites read what the Dagster check hands them (the long table's four checked columns)
    report = st("quality", quality_report, report_dir(settings, WAVE, "bench-plain"), m, clean.frame, ind, scores, change)
    tables.update(weights=effective_weights(m), **unc)
    errors = [p for p in raw.problems + clean.problems if p.severity == "error"]
    if failures or errors or not report.passed:
        raise SystemExit(f"bench wave does not pass its checks: {failures[:3]} {errors[:3]} {report.suites}")
    checks = [{"asset": "bench", "check": "all", "status": "passed", "blocking": True, "run_id": None}]
    prov = build_provenance(inputs, run_id="bench-plain", checks=checks, synthetic=is_synthetic(settings.raw_dir / WAVE))
    reps = unc["replications"]
    prov["uncertainty"] = {"seed": int(reps["seed"].iloc[0]) if len(reps) else None, "replications": len(reps)}
    st("publish", publish_snapshot, settings, WAVE, tables, prov, report=report)
    return {"stages": st.seconds, "total": time.perf_counter() - t0, "units": len(scores),
            "indicator_rows": len(ind), "peak_mb": peak_mb(), "analysis_span": st.spans.get("uncertainty")}


def run_dagster(n_units: int, data_dir: str) -> dict:
    """The wave as `lei run` materialises it: the worker started (a small export read and scored
    there, waves/read_ahead.first_jobs; GE imported), then
    lei_pipeline.defs.run_waves.materialize_wave on the CLI's instance (defs.instance.get_instance:
    SQLite with open engines; made, as `lei run` makes it, with the collector off and what it
    imported frozen out of the collector's passes) in a fresh DAGSTER_HOME, the resources pointed
    at the bench data directory. Peak memory: this process's plus the worker's (their peaks may not coincide, so
    the sum is an upper bound)."""
    import gc
    import tempfile

    from lei_pipeline import worker
    from lei_pipeline.collector import imports_uncollected
    from lei_pipeline.settings import Settings
    from lei_pipeline.waves import read_ahead

    with tempfile.TemporaryDirectory(prefix="lei-bench-home-") as home:
        os.environ["DAGSTER_HOME"] = home
        import lei_pipeline.defs.definitions  # noqa: F401  (as `lei run` imports it before its first wave)
        from lei_pipeline.defs.instance import get_instance
        from lei_pipeline.defs.resources import LeiSettings, SurveyInputs
        from lei_pipeline.defs.run_waves import materialize_wave

        resources = {"lei": LeiSettings(data_dir=data_dir), "survey_inputs": SurveyInputs(data_dir=data_dir)}
        t0 = time.perf_counter()   # after the imports, as for the other paths
        # Then the worker, as `lei run` starts it: it reads a small export, then imports GE. Started
        # after the imports here (in `lei run` it starts before them), so nothing it does falls
        # outside the time measured.
        worker.start(first=read_ahead.first_jobs(Settings.from_env(data_dir=data_dir), WAVE))
        try:
            # the instance made as `lei run` makes it (cli/run.py): with the collector off, and what
            # the imports made frozen out of its passes while the wave runs
            with imports_uncollected():
                instance = get_instance()
            run = materialize_wave(instance, WAVE, resources)
            spans = _step_spans(instance, run.run_id)
            stages = {step: end - begin for step, (begin, end) in spans.items()}
            suites, ahead = _suites_seconds(instance, run.run_id)
            beside = _overlap(ahead, spans.get("wave_uncertainty"))
            worker_mb = peak_mb(worker._worker[0].pid) if worker._worker else 0.0   # before it exits
        finally:
            worker.stop()
            gc.unfreeze()
    total = time.perf_counter() - t0
    if not run.success or run.unchanged:
        raise SystemExit(f"dagster bench run failed: {run.error} {run.failed_blocking[:3]}")
    return {"stages": stages, "total": total, "units": run.units_scored, "peak_mb": peak_mb() + worker_mb,
            "worker_peak_mb": worker_mb, "run_seconds": run.seconds, "suites_seconds": suites,
            "suite_ahead_beside_analysis": beside, "analysis_span": spans.get("wave_uncertainty")}


def _overlap(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0])) if a and b else 0.0


def without_analysis(dagster: dict) -> tuple[float, float]:
    """(seconds, of which GE suites counted back) of the Dagster path without wave_uncertainty.
    The suites run in the worker beside the analysis (started by wave_change's step; the
    indicators suite by the indicators step, and it may still run when the analysis starts):
    taking the analysis step's time away would take away that part of the suites too, so it is
    added back."""
    hidden = max(0.0, dagster.get("suites_seconds", 0.0) - dagster["stages"].get("wave_change_quality_suites", 0.0))
    hidden += dagster.get("suite_ahead_beside_analysis", 0.0)
    return dagster["total"] - dagster["stages"].get("wave_uncertainty", 0.0) + hidden, hidden


def _suites_seconds(instance, run_id: str) -> tuple[float, tuple[float, float] | None]:
    """How long the GE suites took (the quality check's suites_seconds), wherever they ran, and
    when the suite run ahead of them ran (time.time(); None: none was)."""
    import dagster as dg

    for rec in instance.get_records_for_run(run_id).records:
        ev = rec.event_log_entry.dagster_event
        if ev is not None and ev.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            data = ev.event_specific_data
            if data.check_name == "quality_suites" and "suites_seconds" in data.metadata:
                ahead = data.metadata["suite_ahead"].value if "suite_ahead" in data.metadata else None
                return (float(data.metadata["suites_seconds"].value),
                        (float(ahead["began"]), float(ahead["ended"])) if ahead else None)
    return 0.0, None


def _step_spans(instance, run_id: str) -> dict[str, tuple[float, float]]:
    """(start, end) per step (asset), time.time(), from the run's STEP_START / STEP_SUCCESS events."""
    import dagster as dg

    starts, out = {}, {}
    records = instance.get_records_for_run(run_id).records
    for rec in records:
        e = rec.event_log_entry
        ev = e.dagster_event
        if ev is None:
            continue
        if ev.event_type == dg.DagsterEventType.STEP_START:
            starts[ev.step_key] = e.timestamp
        elif ev.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            out[ev.step_key] = (starts.get(ev.step_key, e.timestamp), e.timestamp)
    return out


def run_bare(n_units: int, data_dir: str) -> dict:
    """The bare reference script (benchmarks/bare_reference.py): polars and numpy, nothing else."""
    from lei_pipeline_tests.benchmarks import bare_reference

    t0 = time.perf_counter()
    res = bare_reference.score(Path(data_dir), WAVE)
    total = time.perf_counter() - t0
    res.scores.write_parquet(Path(data_dir).parent / "bare-scores.parquet")
    res.indicator_frame().write_parquet(Path(data_dir).parent / "bare-indicators.parquet")
    return {"stages": {}, "total": total, "units": res.scores.height, "peak_mb": peak_mb()}


def child(mode: str, n_units: int, data_dir: str) -> None:
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    result = {"bare": run_bare, "plain": run_plain, "dagster": run_dagster}[mode](n_units, data_dir)
    print("BENCH_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    child(sys.argv[1], int(sys.argv[2]), sys.argv[3])
