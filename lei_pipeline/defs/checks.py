"""Check specs for every asset in one place, and the helpers that turn core Problems and
pandera failures into AssetCheckResults with row-level metadata.

Checks run inside their asset (check_specs) rather than as separate @asset_check functions:
on a dynamically partitioned asset that keeps each check bound to its wave's data, and a failed
blocking check still leaves the asset materialised while its downstream assets are skipped."""
from __future__ import annotations

import dagster as dg
import pandas as pd

from lei_pipeline.defs.metadata import problems_metadata
from lei_pipeline.problems import ERROR, Problem, problems_frame

SPECS: dict[str, list[tuple[str, bool, str]]] = {
    # asset -> (check name, blocking, description)
    "raw_responses": [
        ("export_readable", True, "The wave's export was found and read: one file, known columns, "
                                  "every row complete. Lists every row or value the reader could not use."),
        ("raw_schema", True, "pandera RawResponses model: identity and provenance columns present and typed."),
    ],
    "clean_responses": [
        ("units_matched", True, "Every respondent name matches exactly one local government in the registry."),
        ("answers_valid", True, "Every answer is a known option or a number in range; out-of-range values are "
                                "quarantined (warnings), unknown answer codes block."),
        ("duplicates_resolved", False, "Duplicate submissions by the same local government and which one won."),
        ("clean_schema", True, "pandera CleanResponses model: one row per (wave, unit_code), typed answers."),
    ],
    "indicators": [
        ("indicators_schema", True, "pandera Indicators model: values in 0..100, every value traced."),
    ],
    "composite_index": [
        ("scores_schema", True, "pandera Scores model: scores in 0..100, ranks from 1, categories known."),
    ],
    "wave_change": [
        ("previous_wave_ready", True, "The previous declared wave (data/waves.yaml) is published and its "
                                      "snapshot is not older than its export, so the change compares with "
                                      "the right wave; names the wave to run first otherwise."),
        ("change_schema", True, "pandera Change model: one row per unit that answered both waves."),
        ("quality_suites", True, "Great Expectations suites on the four tables to publish: ranks, score "
                                 "ranges, every responding unit once, change consistent, weights sum to 1 "
                                 "(the snapshot's Data Docs come from this run of them)."),
    ],
    "wave_uncertainty": [
        ("uncertainty_schema", True, "pandera models of the three uncertainty tables: bands ordered, "
                                     "probabilities sum to 1, one seed."),
        ("nominal_matches_index", True, "The analysis' nominal scores are the published index's."),
        ("nominal_ranks_match", False, "The analysis' nominal ranks are the published ranks (a warning: "
                                       "else the methodology's ranking rule is not wired into the analysis)."),
        ("nominal_rank_in_band", False, "Each unit's published rank lies inside its 5-95 % rank band "
                                        "(a warning: outside means the spec's alternatives pull one way)."),
    ],
}


# Checks that run as a step of their own (defs/assets/quality.py), not inside their asset.
OWN_STEP = {("wave_change", "quality_suites")}

# (asset, check) -> blocking: whether a failure stops the wave from being published.
BLOCKING: dict[tuple[str, str], bool] = {(asset, name): blocking for asset, specs in SPECS.items()
                                         for name, blocking, _ in specs}


def is_blocking(asset: str, check: str) -> bool:
    return BLOCKING.get((asset, check), False)


def check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(name, asset=asset, blocking=blocking, description=desc)
            for name, blocking, desc in SPECS[asset] if (asset, name) not in OWN_STEP]


def all_check_keys() -> list[dg.AssetCheckKey]:
    return [dg.AssetCheckKey(dg.AssetKey(asset), name) for asset, specs in SPECS.items() for name, _, _ in specs]


def problems_result(asset: str, name: str, problems: list[Problem], *, passes_on_errors: bool = False,
                    extra: dict | None = None) -> dg.AssetCheckResult:
    """Errors fail the check; warnings are shown but pass (they quarantine a value, not the wave)."""
    errors = [p for p in problems if p.severity == ERROR]
    md = problems_metadata(problems_frame(problems))
    md["errors"] = dg.MetadataValue.int(len(errors))
    md["warnings"] = dg.MetadataValue.int(len(problems) - len(errors))
    if errors:
        md["first_error"] = dg.MetadataValue.text(errors[0].describe())
    md.update(extra or {})
    passed = passes_on_errors or not errors
    return dg.AssetCheckResult(asset_key=asset, check_name=name, passed=passed, metadata=md)


def failures_result(asset: str, name: str, failures: pd.DataFrame | list[dict],
                    extra: dict | None = None) -> dg.AssetCheckResult:
    """pandera (or GE) failures: one row per failing cell, with row number and reason."""
    failures = pd.DataFrame(failures) if isinstance(failures, list) else failures
    md = problems_metadata(failures)
    md["failure_count"] = md.pop("problem_count")
    if len(failures):
        first = failures.iloc[0].to_dict()
        md["first_error"] = dg.MetadataValue.text(", ".join(f"{k}={v}" for k, v in first.items()))
    md.update(extra or {})
    return dg.AssetCheckResult(asset_key=asset, check_name=name, passed=failures.empty, metadata=md)
