"""Great Expectations suites on the tables about to be published.

great_expectations is imported inside run_quality_suites only (publish/gx_import.py): it takes
seconds to import, and the pure core (and the CLI's fast paths) must not pay for it. GE runs
offline: analytics off, progress bars off, an ephemeral context (nothing written except the
optional Data Docs)."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lei_pipeline.publish.gx_import import import_gx

# Rules a pandera contract already states (not null, unique, bounds, keys) are re-asserted here
# from the contract itself; the suites add what crosses rows and tables.
from lei_pipeline.schemas.tables import CHANGE, CLEAN_RESPONSES, INDICATORS, SCORES

WEIGHT_TOLERANCE = 1e-6
DOCS_SITE = "lei_snapshot_docs"  # not "local_site": the ephemeral context owns that name
MAX_LISTED = 20
SUITE_ORDER = ("responses", "indicators", "scores", "change", "weights")   # by the table each checks
INDICATOR_COLUMNS = ("wave", "unit_code", "indicator", "value")   # what the indicators suite reads
RESPONSE_COLUMNS = ("wave", "unit_code")   # what the suites read of the responses (their rows counted too)


@dataclass
class SuiteResult:
    name: str
    table: str
    passed: bool
    failures: list[dict] = field(default_factory=list)
    expectations: int = 0

    def to_dict(self) -> dict:
        return {"name": self.name, "table": self.table, "passed": self.passed,
                "expectations": self.expectations, "failures": self.failures}

    def describe(self) -> str:
        if self.passed:
            return f"{self.name}: passed"
        parts = []
        for f in self.failures:
            where = f".{f['column']}" if f.get("column") else ""
            detail = f" (e.g. {f['examples'][:3]})" if f.get("examples") else ""
            parts.append(f"{f['expectation']}{where}{detail}")
        return f"{self.name}: failed " + "; ".join(parts)


def expected_ranks(values: pd.Series) -> pd.Series:
    """Rank 1 = highest value; ties share the lowest rank (scipy method="min"); NaN stays NaN."""
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    v = pd.to_numeric(values, errors="coerce").astype("float64")
    ok = v.notna()
    if ok.any():
        # 1 + how many values are higher: scipy's rankdata(-v, method="min"), without importing
        # scipy.stats (3 s, on every `lei run`) for it
        x = v[ok].to_numpy()
        out[ok] = (np.searchsorted(np.sort(-x), -x, side="left") + 1).astype("float64")
    return out


def _codes_in(values, members: pd.Series) -> np.ndarray:
    """values (a Series or an Index of unit codes) as text, each in members' codes (nulls
    dropped)? One hash table of object strings: pandas' isin on Arrow text checks every member in
    Python (0.6 s for a 100,000-unit set) and iterating Arrow cells into a set converts each."""
    known = members.dropna().astype(str).to_numpy(dtype=object)
    return pd.Index(values.astype(str).to_numpy(dtype=object), dtype=object).isin(known)


def _as_float(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("float64")


def _score_columns(scores: pd.DataFrame) -> list[str]:
    """Component, pillar and lei scores: every float column that is not a rank or a change."""
    return [c for c in scores.columns
            if pd.api.types.is_float_dtype(scores[c]) and not c.startswith("rank") and not c.endswith("_change")]


def _scores_suite(gxe, scores: pd.DataFrame, responses: pd.DataFrame | None):
    frame = scores.reset_index(drop=True).copy()
    exps = [gxe.ExpectTableRowCountToBeBetween(min_value=1), *SCORES.expectations(gxe, ["unit_code"])]
    if "wave" in frame:
        exps.append(gxe.ExpectColumnUniqueValueCountToBeBetween(column="wave", min_value=1, max_value=1))
    for c in _score_columns(frame):
        exps.append(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=100))
    n = len(frame)
    if "rank" in frame and "lei" in frame:
        frame["rank"] = _as_float(frame["rank"])
        # rank_score: the lei as ranked (rounded to the published precision; missing when the unit
        # is not eligible for a rank); tables without it rank on lei.
        ranked_on = "rank_score" if "rank_score" in frame.columns else "lei"
        frame["expected_rank"] = expected_ranks(frame[ranked_on])
        exps += [gxe.ExpectColumnValuesToBeBetween(column="rank", min_value=1, max_value=max(n, 1)),
                 gxe.ExpectColumnPairValuesToBeEqual(column_A="rank", column_B="expected_rank",
                                                     ignore_row_if="both_values_are_missing")]
        if frame[ranked_on].notna().any():
            exps.append(gxe.ExpectColumnMinToBeBetween(column="rank", min_value=1, max_value=1))
    if {"rank_in_type", "unit_type", "lei"} <= set(frame.columns):
        frame["rank_in_type"] = _as_float(frame["rank_in_type"])
        peers = "type_group" if "type_group" in frame.columns else "unit_type"
        ranked_on = "rank_score" if "rank_score" in frame.columns else "lei"
        frame["expected_rank_in_type"] = (frame.groupby(peers, dropna=False, group_keys=False)[ranked_on]
                                          .apply(expected_ranks).reindex(frame.index))
        exps.append(gxe.ExpectColumnPairValuesToBeEqual(column_A="rank_in_type", column_B="expected_rank_in_type",
                                                        ignore_row_if="both_values_are_missing"))
    if responses is not None and "unit_code" in responses:
        # "Every unit that answered appears exactly once": no unit outside the responses, unique
        # codes (above) and as many rows as responding units. Membership is computed here with
        # pandas; a value_set of every unit code inside the expectation made GE re-serialise it
        # for each metric (25 s at 100,000 units).
        frame["unit_answered"] = _codes_in(frame["unit_code"], responses["unit_code"])
        answered = responses["unit_code"].dropna().astype(str).nunique()
        exps += [gxe.ExpectColumnValuesToBeInSet(column="unit_answered", value_set=[True]),
                 gxe.ExpectTableRowCountToEqual(value=answered)]
    return frame, exps


def _responses_suite(gxe, responses: pd.DataFrame):
    exps = [gxe.ExpectTableRowCountToBeBetween(min_value=1), *CLEAN_RESPONSES.expectations(gxe, ["unit_code"]),
            gxe.ExpectColumnValuesToBeUnique(column="unit_code")]  # one wave: the key (wave, unit_code) is unit_code
    if "wave" in responses:
        exps.append(gxe.ExpectColumnUniqueValueCountToBeBetween(column="wave", min_value=1, max_value=1))
    return responses.reset_index(drop=True), exps


def _indicators_suite(gxe, indicators: pd.DataFrame, responses: pd.DataFrame | None):
    # Only the columns the expectations read: GE copies and scans what it is given, and the long
    # table has one row per unit and indicator (7.5 M rows at 100,000 units; the trace strings
    # alone tripled the suite's time).
    frame = indicators[[c for c in INDICATOR_COLUMNS if c in indicators]]
    # The text columns as categories: GE hashes the whole frame to name its batch and finds
    # duplicate keys with DataFrame.duplicated, and both then work on integer codes instead of
    # 7.8 M strings (100,000 units: the long table and the responses and indicators suites 9.5 s ->
    # 6.4 s). Same values, nulls included.
    frame = frame.reset_index(drop=True).astype({c: "category" for c in ("wave", "unit_code", "indicator")
                                                  if c in frame and frame[c].dtype != "category"})
    exps = [*INDICATORS.expectations(gxe, ["unit_code", "indicator"]), *INDICATORS.key_expectation(gxe, frame.columns)]
    if "value" in frame:
        exps += INDICATORS.expectations(gxe, ["value"])
    if responses is not None and "unit_code" in responses:
        # Membership computed once with pandas, asserted by GE: a 100,000-value value_set inside
        # the expectation took GE ~15 s on 7.5 M rows. Decided per distinct code, then spread.
        codes = frame["unit_code"].cat
        known = np.append(_codes_in(codes.categories, responses["unit_code"]), False)   # code -1 (null): not answered
        frame = frame.assign(unit_answered=known[codes.codes.to_numpy()])
        exps.append(gxe.ExpectColumnValuesToBeInSet(column="unit_answered", value_set=[True]))
    return frame, exps


def _change_suite(gxe, change: pd.DataFrame, scores: pd.DataFrame | None):
    frame = change.reset_index(drop=True).copy()
    exps = CHANGE.expectations(gxe, ["unit_code"])
    exps += CHANGE.expectations(gxe, [c for c in ("lei", "lei_previous") if c in frame])
    for c in ("rank", "rank_previous"):
        if c in frame:
            frame[c] = _as_float(frame[c])
            exps += CHANGE.expectations(gxe, [c])
    if {"rank", "rank_previous", "rank_change"} <= set(frame.columns):
        frame["rank_change"] = _as_float(frame["rank_change"])
        frame["expected_rank_change"] = frame["rank_previous"] - frame["rank"]
        exps.append(gxe.ExpectColumnPairValuesToBeEqual(column_A="rank_change", column_B="expected_rank_change",
                                                        ignore_row_if="both_values_are_missing"))
    if scores is not None and "unit_code" in scores and len(frame):
        frame["unit_scored"] = _codes_in(frame["unit_code"], scores["unit_code"])
        exps.append(gxe.ExpectColumnValuesToBeInSet(column="unit_scored", value_set=[True]))
    return frame, exps


def weights_frame(weights: dict) -> pd.DataFrame:
    """{component: w} is one group; {parent: {child: w}} is one group per parent. Each group must sum to 1."""
    groups = weights if weights and all(isinstance(v, dict) for v in weights.values()) else {"": weights or {}}
    rows = [{"group": str(g), "node": str(k), "weight": float(w)}
            for g, members in groups.items() for k, w in members.items()]
    frame = pd.DataFrame(rows, columns=["group", "node", "weight"])
    frame["group_sum"] = frame.groupby("group")["weight"].transform("sum")
    return frame


def _weights_suite(gxe, weights: dict):
    frame = weights_frame(weights)
    return frame, [gxe.ExpectTableRowCountToBeBetween(min_value=1),
                   gxe.ExpectColumnValuesToBeBetween(column="weight", min_value=0, max_value=1),
                   gxe.ExpectColumnValuesToBeBetween(column="group_sum", min_value=1 - WEIGHT_TOLERANCE,
                                                     max_value=1 + WEIGHT_TOLERANCE)]


def _suites(gxe, tables: dict[str, pd.DataFrame], weights: dict | None,
            responses: pd.DataFrame | None = None) -> list[tuple[str, str, pd.DataFrame, list]]:
    """(suite, table, frame, expectations) per table present, in SUITE_ORDER; responses: what the
    other suites read of them (default: tables' own)."""
    scores = tables.get("scores")
    if responses is None:
        responses = tables.get("responses")
    out = []
    if tables.get("responses") is not None:
        out.append(("responses_one_row_per_unit", "responses", *_responses_suite(gxe, responses)))
    if tables.get("indicators") is not None:
        out.append(("indicators_values", "indicators", *_indicators_suite(gxe, tables["indicators"], responses)))
    if scores is not None:
        out.append(("scores_ranges_and_ranks", "scores", *_scores_suite(gxe, scores, responses)))
    if tables.get("change") is not None:
        out.append(("change_consistent", "change", *_change_suite(gxe, tables["change"], scores)))
    if weights is not None:
        out.append(("weights_sum_to_one", "weights", *_weights_suite(gxe, weights)))
    return out


def _json_safe(value):
    """Numpy scalars to Python, NaN to None: the result goes into manifest.json and Dagster metadata."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _failure(res: dict, frame: pd.DataFrame) -> dict:
    cfg = res["expectation_config"]
    kwargs = {k: v for k, v in cfg["kwargs"].items() if k != "batch_id"}
    if isinstance(kwargs.get("value_set"), list) and len(kwargs["value_set"]) > MAX_LISTED:
        kwargs["value_set"] = kwargs["value_set"][:MAX_LISTED] + [f"... {len(kwargs['value_set'])} values"]
    result = res.get("result") or {}
    out = {"expectation": cfg["type"], "column": kwargs.get("column") or kwargs.get("column_A"), "kwargs": kwargs}
    for key in ("unexpected_count", "unexpected_percent", "observed_value"):
        if key in result:
            out[key] = result[key]
    if result.get("partial_unexpected_list"):
        out["examples"] = result["partial_unexpected_list"][:MAX_LISTED]
    idx = result.get("unexpected_index_list") or []
    if idx and "unit_code" in frame and all(isinstance(i, (int, np.integer)) for i in idx):
        out["unit_codes"] = sorted({str(frame["unit_code"].iloc[int(i)]) for i in idx})[:MAX_LISTED]
    exc = res.get("exception_info") or {}
    if exc.get("raised_exception"):
        out["exception"] = str(exc.get("exception_message"))
    return _json_safe(out)


def run_quality_suites(tables: dict[str, pd.DataFrame], docs_dir: Path | None = None,
                       weights: dict | None = None, docs_if_passed: bool = True,
                       known: dict[str, SuiteResult] | None = None) -> list[SuiteResult]:
    """One GE suite per table present (responses, indicators, scores, change) plus one on the
    component weights when given. With docs_dir, GE Data Docs (HTML) are built into it (unless
    every suite passed and docs_if_passed is False). known: by table, the verdict of its suite on
    this same table, found already (suite_verdict); taken instead of running that suite again for
    its verdict."""
    if docs_dir is None or not docs_if_passed:
        # The verdicts first, without the lists of unexpected rows and values GE otherwise gathers
        # for every expectation, failing or not (a sample wave's suites 1.1-1.3 s -> 0.5-0.6 s,
        # 100,000 units 9.5 s -> 7.0 s, measured); only when a suite fails do they all run again,
        # in full, for the rows and values its failures name and for the Data Docs.
        known = known or {}
        verdicts = _verdicts({n: t for n, t in tables.items() if n not in known}, weights, tables.get("responses"))
        verdicts = sorted([*verdicts, *(known[n] for n in known if n in tables)], key=lambda r: SUITE_ORDER.index(r.table))
        if all(r.passed for r in verdicts):
            return verdicts
    return _run_suites(tables, docs_dir, weights, "COMPLETE")


def suite_verdict(tables: dict[str, pd.DataFrame], table: str) -> SuiteResult:
    """The verdict of table's suite alone (the other tables only as it reads them), as
    run_quality_suites finds it: for its known= later."""
    return next(r for r in _verdicts({table: tables[table]}, None, tables.get("responses")) if r.table == table)


def _context(gx):
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


@functools.cache
def _verdict_source():
    """A pandas data source in one ephemeral context kept for the process: the verdict runs need
    no stores, and an ephemeral context serialises its whole configuration to YAML again for every
    data source and asset added (a sample wave's suites 0.1-0.2 s)."""
    gx, _ = import_gx()
    return _context(gx).data_sources.add_pandas(name="lei")


@functools.cache
def _verdict_batch(table: str):
    """table's whole-frame batch definition in that data source, made once."""
    return _verdict_source().add_dataframe_asset(name=table).add_batch_definition_whole_dataframe("whole")


def _verdicts(tables: dict[str, pd.DataFrame], weights: dict | None,
              responses: pd.DataFrame | None = None) -> list[SuiteResult]:
    """Each suite run on its table for its verdict alone (GE's BOOLEAN_ONLY: no lists of unexpected
    rows and values), through Batch.validate: the same validator ValidationDefinition.run calls,
    without storing suites, definitions and results in the context. responses: what the other
    suites read of them when their own suite is not among tables (default: tables' own)."""
    gx, gxe = import_gx()
    results = []
    for name, table, frame, expectations in _suites(gxe, tables, weights, responses):
        run = _verdict_batch(table).get_batch(batch_parameters={"dataframe": frame}).validate(
            gx.ExpectationSuite(name=name, expectations=expectations), result_format="BOOLEAN_ONLY")
        results.append(_suite_result(name, table, frame, run))
    return results


def _suite_result(name: str, table: str, frame: pd.DataFrame, run) -> SuiteResult:
    failures = [_failure(r.to_json_dict(), frame) for r in run.results if not r.success]
    return SuiteResult(name=name, table=table, passed=bool(run.success) and not failures, failures=failures,
                       expectations=len(run.results))


def _run_suites(tables: dict[str, pd.DataFrame], docs_dir: Path | None, weights: dict | None,
                result_format: str) -> list[SuiteResult]:
    gx, gxe = import_gx()
    ctx = _context(gx)
    if docs_dir is not None:
        docs_dir = Path(docs_dir).resolve()
        docs_dir.mkdir(parents=True, exist_ok=True)
        ctx.add_data_docs_site(site_name=DOCS_SITE, site_config={
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)}})
    source = ctx.data_sources.add_pandas(name="lei")
    results = []
    for name, table, frame, expectations in _suites(gxe, tables, weights):
        batch = source.add_dataframe_asset(name=table).add_batch_definition_whole_dataframe("whole")
        suite = ctx.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
        results.append(_suite_result(name, table, frame, vd.run(batch_parameters={"dataframe": frame},
                                                                 result_format=result_format)))
    if docs_dir is not None:
        ctx.build_data_docs(site_names=[DOCS_SITE])
    return results


def failed_summary(results: list[SuiteResult]) -> str:
    return " | ".join(r.describe() for r in results if not r.passed)


__all__ = ["SuiteResult", "run_quality_suites", "expected_ranks", "weights_frame", "failed_summary"]
