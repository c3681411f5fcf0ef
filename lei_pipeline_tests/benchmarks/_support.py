"""Helpers for bench_pipeline: a throw-away data directory holding one synthetic wave, and the
two ways of running it (plain core calls, Dagster in-process), each in its own child process so
that peak memory (VmHWM) belongs to one run only.

Child entry point: python -m lei_pipeline_tests.benchmarks._support {plain|dagster} N DATA_DIR
prints one JSON line: seconds per stage, total, peak MB, rows."""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from functools import lru_cache
from pathlib import Path

WAVE = "2024"
SEED = 42
REPO_DATA = Path(__file__).resolve().parents[2] / "data"


def make_data_dir(n_units: int, root: Path, shape: str = "limesurvey") -> Path:
    """data/{questionnaire,methodology,reference} copied from the repo, and data/raw/2024/ with
    one synthetic export of n_units local governments (the full questionnaire of the wave)."""
    from lei_pipeline.sample import NOTE_NAME, SYNTHETIC_NOTICE, generate_responses, synthetic_registry, write_export
    from lei_pipeline.survey.questionnaire import load_questionnaire

    data = root / "data"
    for sub in ("questionnaire", "methodology", "reference"):
        shutil.copytree(REPO_DATA / sub, data / sub)
    raw = data / "raw" / WAVE
    raw.mkdir(parents=True)
    q = load_questionnaire(data / "questionnaire" / "lei-questionnaire.yaml")
    tidy = generate_responses(WAVE, n_units, SEED, q, synthetic_registry(n_units, SEED))
    write_export(tidy, raw / f"lei-{WAVE}-bench.csv", shape, q, WAVE)
    (raw / NOTE_NAME).write_text(SYNTHETIC_NOTICE, encoding="utf-8")
    from lei_pipeline.settings import Settings
    from lei_pipeline.waves import declare_wave

    declare_wave(Settings.from_env(data_dir=data), WAVE, question_set=WAVE)   # the order of waves: just this one
    return data


@lru_cache(maxsize=2)
def bench_inputs(data_dir: str, n_units: int):
    """The product's inputs, but with the registry extended by the synthetic units.
    load_registry cannot load them from registry.csv: synthetic codes (S000146) fail the
    5-digit check-digit rule, and EXPECTED_COUNTS pins 1/27/117/30 units per type."""
    from lei_pipeline.inputs import SurveyInputs as Inputs
    from lei_pipeline.methodology import load_methodology
    from lei_pipeline.registry import Matcher, load_registry
    from lei_pipeline.sample import synthetic_registry
    from lei_pipeline.settings import Settings
    from lei_pipeline.survey.questionnaire import load_questionnaire

    s = Settings.from_env(data_dir=data_dir)
    registry = synthetic_registry(n_units, SEED, load_registry(s.registry_path))
    return Inputs(questionnaire=load_questionnaire(s.questionnaire_path),
                  methodology=load_methodology(s.methodology_path),
                  registry=registry, matcher=Matcher(registry, respondents_only=True))


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Stages:
    def __init__(self):
        self.seconds: dict[str, float] = {}

    def __call__(self, name, fn, *args, **kwargs):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
        return out


def run_plain(n_units: int, data_dir: str) -> dict:
    """The same computation as the wave's assets, calling the core directly: no Dagster."""
    from lei_pipeline.methodology import compose_index, score_indicators
    from lei_pipeline.previous import compare_with_previous, previous_wave
    from lei_pipeline.provenance import build_provenance, is_synthetic
    from lei_pipeline.publish import publish_snapshot
    from lei_pipeline.publish.quality_report import report_dir
    from lei_pipeline.quality import quality_report
    from lei_pipeline.schemas import Change, CleanResponses, Indicators, RawResponses, Scores, validate_table
    from lei_pipeline.settings import Settings
    from lei_pipeline.survey.clean import clean_responses
    from lei_pipeline.survey.readers import read_export
    from lei_pipeline.waves import find_export

    st = _Stages()
    t0 = time.perf_counter()
    settings = Settings.from_env(data_dir=data_dir)
    inputs = st("inputs", bench_inputs, data_dir, n_units)
    q, m = inputs.questionnaire, inputs.methodology
    raw = st("read", read_export, find_export(settings, WAVE), q, wave=WAVE)
    failures = st("validate", validate_table, RawResponses, raw.frame)
    clean = st("clean", clean_responses, raw.frame, q, inputs.registry, WAVE, matcher=inputs.matcher)
    failures += st("validate", validate_table, CleanResponses, clean.frame)
    ind = st("indicators", score_indicators, clean.frame, q, m)
    failures += st("validate", validate_table, Indicators, ind)
    scores = st("index", compose_index, ind, inputs.registry, m)
    failures += st("validate", validate_table, Scores, scores)
    prev = st("change", previous_wave, settings, WAVE)
    change = st("change", compare_with_previous, settings, WAVE, prev, ind, scores, m, q, inputs.registry).frame
    failures += st("validate", validate_table, Change, change)
    tables = {"responses": clean.frame, "indicators": ind, "scores": scores, "change": change}
    report = st("quality", quality_report, report_dir(settings, WAVE, "bench-plain"), tables, m)
    errors = [p for p in raw.problems + clean.problems if p.severity == "error"]
    if failures or errors or not report.passed:
        raise SystemExit(f"bench wave does not pass its checks: {failures[:3]} {errors[:3]} {report.suites}")
    checks = [{"asset": "bench", "check": "all", "status": "passed", "blocking": True, "run_id": None}]
    prov = build_provenance(inputs, run_id="bench-plain", checks=checks, synthetic=is_synthetic(settings.raw_dir / WAVE))
    st("publish", publish_snapshot, settings, WAVE, tables, prov, report=report)
    return {"stages": st.seconds, "total": time.perf_counter() - t0, "units": len(scores),
            "indicator_rows": len(ind), "peak_mb": peak_mb()}


def run_dagster(n_units: int, data_dir: str) -> dict:
    """lei_pipeline.defs.run_waves.materialize_wave on a test instance (SQLite in a tmp dir),
    with the resources pointed at the bench data directory."""
    import dagster as dg

    from lei_pipeline.defs.resources import LeiSettings, SurveyInputs
    from lei_pipeline.defs.run_waves import materialize_wave

    class BenchSurveyInputs(SurveyInputs):
        n_units: int = 0

        def get(self):
            return bench_inputs(self.data_dir, self.n_units)

    resources = {"lei": LeiSettings(data_dir=data_dir),
                 "survey_inputs": BenchSurveyInputs(data_dir=data_dir, n_units=n_units)}
    t0 = time.perf_counter()
    with dg.instance_for_test() as instance:
        run = materialize_wave(instance, WAVE, resources)
        stages = _step_seconds(instance, run.run_id)
    total = time.perf_counter() - t0
    if not run.success or run.unchanged:
        raise SystemExit(f"dagster bench run failed: {run.error} {run.failed_blocking[:3]}")
    return {"stages": stages, "total": total, "units": run.units_scored, "peak_mb": peak_mb(),
            "run_seconds": run.seconds}


def _step_seconds(instance, run_id: str) -> dict:
    """Wall time per step (asset) from the run's STEP_START / STEP_SUCCESS events."""
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
            out[ev.step_key] = e.timestamp - starts.get(ev.step_key, e.timestamp)
    return out


def child(mode: str, n_units: int, data_dir: str) -> None:
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    result = (run_plain if mode == "plain" else run_dagster)(n_units, data_dir)
    print("BENCH_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    child(sys.argv[1], int(sys.argv[2]), sys.argv[3])
