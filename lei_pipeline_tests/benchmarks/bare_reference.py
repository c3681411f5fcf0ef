"""The bare reference for bench_pipeline: one LimeSurvey CSV wave -> typed responses, indicator
values, component/pillar/LEI scores, ranks and categories, with polars (read and type) and numpy
(arithmetic). No validation, no orchestration, no provenance, no Parquet; it shares nothing with
lei_pipeline's reader, cleaner or scorer: the rules are read here from the YAML files
(data/methodology/lei-v2.yaml scoring.rules, the questionnaire's pages and display conditions)
and implemented again, so that the benchmark's check that both give the same scores means
something. It handles what a `lei sample` data directory holds (one CSV wave, names or codes
that are the registry's), not the hostile exports the pipeline is built for.

    python -m lei_pipeline_tests.benchmarks.bare_reference DATA_DIR [WAVE]
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import yaml

# statuses of an indicator cell (a name each, for the coverage rule)
ANSWERED, DONT_KNOW, BLANK, NA, INVALID, NOT_REACHED, NOT_SHOWN, NOT_ASKED, NOT_IN_FORCE, NO_POP = range(10)
EXCUSED = (NOT_SHOWN, NOT_ASKED, NOT_IN_FORCE, NO_POP, NA)   # missing by design: not held against coverage


@dataclass
class Result:
    responses: pl.DataFrame      # one row per unit: wave, unit_code, then the typed answers
    units: np.ndarray            # unit codes, row order of the matrices
    indicators: list[str]
    values: np.ndarray           # units x indicators, 0..100, NaN = missing
    status: np.ndarray           # units x indicators, the constants above
    scores: pl.DataFrame         # one row per unit

    def indicator_frame(self) -> pl.DataFrame:
        """unit_code and one column of values per indicator (the wide matrix)."""
        return pl.DataFrame({"unit_code": self.units, **{c: self.values[:, j] for j, c in enumerate(self.indicators)}})


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _declared(data: Path, wave: str) -> dict:
    for w in _yaml(data / "waves.yaml")["waves"]:
        if str(w["id"]) == wave:
            return w
    return {"id": wave, "question_set": wave}


def read_registry(data: Path) -> pl.DataFrame:
    reg = pl.read_csv(data / "reference" / "registry.csv", infer_schema=False)
    # a city split into city municipalities has no code: the project code X-<NAME> (diacritics folded)
    fold = {"č": "c", "ć": "c", "š": "s", "ž": "z", "đ": "dj", "Č": "C", "Ć": "C", "Š": "S", "Ž": "Z", "Đ": "DJ"}
    folded = pl.col("name_latin")
    for a, b in fold.items():
        folded = folded.str.replace_all(a, b, literal=True)
    reg = reg.with_columns(
        pl.when(pl.col("code").is_null() | (pl.col("code") == ""))
        .then(pl.lit("X-") + folded.str.to_uppercase().str.replace_all(" ", "-", literal=True))
        .otherwise(pl.col("code")).alias("unit_code"),
        pl.col("population_2022").cast(pl.Float64, strict=False),
    )
    langs = pl.read_csv(data / "reference" / "official-languages.csv", infer_schema=False)
    minority = set(langs.filter(pl.col("minority_languages").str.strip_chars().str.len_chars() > 0)["name_latin"])
    return reg.with_columns(pl.col("name_latin").is_in(list(minority)).alias("minority_language"))


def read_wave(data: Path, wave: str, questionnaire: dict, question_set: str) -> pl.DataFrame:
    """The export as typed columns, one row per unit (the latest complete response wins)."""
    export = next(p for p in sorted((data / "raw" / wave).glob("*.csv")) if not p.name.startswith(("SYNTHETIC", ".")))
    raw = pl.read_csv(export, infer_schema=False)
    raw = raw.with_columns(pl.all().str.strip_chars()).with_columns(
        [pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in raw.columns])
    typed = [pl.col("JLS").alias("unit_name"), pl.col("JLS_CODE").alias("jls_code"),
             pl.col("submitdate").str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False).alias("submitted_at"),
             pl.col("lastpage").cast(pl.Int64, strict=False).alias("last_page")]
    for q in questionnaire["questions"]:
        if question_set not in [str(w) for w in q.get("waves", questionnaire["waves"])]:
            continue
        code, kind = q["code"], q["type"]
        if kind == "multiple_choice":
            typed += [(pl.col(f"{code}[{s['code']}]") == "Y").alias(f"{code}[{s['code']}]")
                      for s in q["subquestions"] if f"{code}[{s['code']}]" in raw.columns]
        elif code not in raw.columns:
            continue
        elif kind in ("number", "percentage"):
            x = pl.col(code).str.strip_suffix("%").str.strip_chars().cast(pl.Float64, strict=False)
            lo, hi = q.get("min", 0 if kind == "percentage" else None), q.get("max", 100 if kind == "percentage" else None)
            keep = pl.lit(True)
            if lo is not None:
                keep = keep & (x >= lo)
            if hi is not None:
                keep = keep & (x <= hi)
            typed.append(pl.when(keep).then(x).otherwise(None).alias(code))
        elif kind == "date":
            typed.append(pl.col(code).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).alias(code))
        else:
            typed.append(pl.col(code))
    return raw.select(typed)


def identify(responses: pl.DataFrame, reg: pl.DataFrame) -> pl.DataFrame:
    """unit_code by the registry's code, else its Latin or Cyrillic name; one response per unit.
    Only the units that answer the survey (city municipalities do not: the city municipality
    Novi Sad is not the city Novi Sad)."""
    reg = reg.filter(pl.col("type") != "city_municipality")
    by_name = dict(zip(reg["name_latin"], reg["unit_code"])) | dict(zip(reg["name_cyrillic"], reg["unit_code"]))
    codes = set(reg["unit_code"])
    out = responses.with_columns(
        pl.when(pl.col("jls_code").is_in(list(codes))).then(pl.col("jls_code"))
        .otherwise(pl.col("unit_name").replace_strict(by_name, default=None)).alias("unit_code"))
    out = out.filter(pl.col("unit_code").is_not_null())
    out = out.sort(["unit_code", pl.col("submitted_at").is_not_null(), "submitted_at"], nulls_last=False)
    return out.unique("unit_code", keep="last", maintain_order=True)


def _reference_date(decl: dict, wave: str) -> dt.date | None:
    ref = decl.get("reference_date")
    if ref:
        return ref if isinstance(ref, dt.date) else dt.date.fromisoformat(str(ref))
    digits = "".join(ch for ch in wave if ch.isdigit())[:4]
    return dt.date(int(digits) - 1, 12, 31) if len(digits) == 4 else None


def score(data: Path, wave: str) -> Result:
    meth = _yaml(data / "methodology" / "lei-v2.yaml")
    qn = _yaml(data / "questionnaire" / "lei-questionnaire.yaml")
    decl = _declared(data, wave)
    qset = str(decl.get("question_set", wave))
    reg = read_registry(data)
    resp = identify(read_wave(data, wave, qn, qset), reg)
    resp = resp.with_columns(pl.lit(wave).alias("wave"))
    n = resp.height
    questions = {q["code"]: q for q in qn["questions"]}
    asked = [q for q in qn["questions"] if qset in [str(w) for w in q.get("waves", qn["waves"])]]
    pages: dict[str, int] = {}
    area_page: dict[str, int] = {}
    for q in asked:
        pages[q["code"]] = area_page.setdefault(q["area"], len(area_page) + 1)
    complete = resp["submitted_at"].is_not_null().to_numpy()
    last_page = resp["last_page"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    facts = resp.select("unit_code").join(reg, on="unit_code", how="left", maintain_order="left")
    population = facts["population_2022"].fill_null(np.nan).to_numpy()
    unit_type = facts["type"].to_list()
    minority = facts["minority_language"].fill_null(False).to_numpy()
    ref = _reference_date(decl, wave)
    sc = meth["scoring"]
    levels = {k: float(v) for k, v in sc["sophistication_levels"].items()}
    default_reading = sc["reading"]

    def col(code):
        return resp[code] if code in resp.columns else None

    def num(code):
        c = col(code)
        return np.full(n, np.nan) if c is None else c.cast(pl.Float64).fill_null(np.nan).to_numpy()

    def linear(x, ind):
        with np.errstate(invalid="ignore"):
            return np.clip((x - ind["worst"]) / (ind["best"] - ind["worst"]), 0.0, 1.0) * 100.0

    def numbers_status(*xs):
        st = np.full(n, ANSWERED, np.int8)
        for x in xs:
            st[np.isnan(x)] = BLANK
        return st

    inds = meth["indicators"]
    values = np.full((n, len(inds)), np.nan)
    status = np.full((n, len(inds)), ANSWERED, np.int8)
    for j, ind in enumerate(inds):
        rule = ind["rule"]
        reading = {**{k: default_reading[k] for k in ("dont_know", "blank", "na")}, **ind.get("reading", {})}
        qs = [ind["numerator"], ind["denominator"]] if rule == "ratio" else [ind["question"]]
        if rule in ("yes_no", "points", "sophistication"):
            table = {"Y": 100.0, "N": 0.0} if rule == "yes_no" else levels if rule == "sophistication" else \
                {k: float(v) for k, v in ind["points"].items()}
            c = col(ind["question"])
            c = pl.Series(ind["question"], [None] * n, pl.String) if c is None else c
            v = c.replace_strict(table, default=None, return_dtype=pl.Float64).fill_null(np.nan).to_numpy()
            st = pl.select(pl.when(c.is_null()).then(BLANK).when(c == "DK").then(DONT_KNOW)
                           .when(c == "NA").then(NA).otherwise(ANSWERED)).to_series().to_numpy()
            st = np.where((st == ANSWERED) & np.isnan(v), INVALID, st).astype(np.int8)
            v = np.where(st == DONT_KNOW, 0.0 if reading["dont_know"] == "zero" else np.nan, v)
        elif rule == "share_selected":
            q = questions[ind["question"]]
            excl = [s["code"] for s in q["subquestions"] if s.get("exclusive")]
            subs = ind.get("subquestions") or [s["code"] for s in q["subquestions"] if not s.get("exclusive")]
            ticks = {s: (col(f"{q['code']}[{s}]").fill_null(False).to_numpy() if col(f"{q['code']}[{s}]") is not None
                         else np.zeros(n, bool)) for s in subs + excl}
            ticked = sum(ticks[s].astype(float) for s in subs)
            any_ticked = np.logical_or.reduce([ticks[s] for s in subs + excl])
            v = 100.0 * ticked / len(subs)
            st = np.where(any_ticked, ANSWERED, BLANK).astype(np.int8)
        elif rule == "linear":
            x = num(ind["question"])
            v, st = linear(x, ind), numbers_status(x)
        elif rule == "ratio":
            a, b = num(ind["numerator"]), num(ind["denominator"])
            ok = ~np.isnan(a) & ~np.isnan(b) & (b != 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                x = np.where(ok, ind.get("multiplier", 1) * a / np.where(ok, b, 1.0), np.nan)
            v, st = linear(x, ind), numbers_status(a, b)
            st[(st == ANSWERED) & ~ok] = INVALID
        elif rule == "per_capita":
            x = num(ind["question"])
            with np.errstate(invalid="ignore", divide="ignore"):
                rate = np.where(population > 0, x * ind["per"] / np.where(population > 0, population, 1.0), np.nan)
            v, st = linear(rate, ind), numbers_status(x)
        elif rule == "recent_date":
            c = col(ind["question"])
            d = c.cast(pl.Datetime("ns")).to_numpy() if c is not None else np.full(n, np.datetime64("NaT"), "datetime64[ns]")
            if ref is None:
                v = np.full(n, np.nan)
            else:
                limit = np.datetime64(ref, "ns") - np.timedelta64(ind["within_days"], "D")
                v = np.where(d >= limit, 100.0, 0.0)
            st = np.where(np.isnat(d), BLANK, ANSWERED).astype(np.int8)
        else:
            raise SystemExit(f"bare reference: unknown rule {rule!r} in {ind['code']}")
        # readings and missing by design, in this order: reached, shown, population, in force, asked
        for qc in qs:
            page = pages.get(qc, 0)
            with np.errstate(invalid="ignore"):
                reached = complete | (last_page >= page)
            st[~reached & (st == BLANK)] = NOT_REACHED
            cond = questions[qc].get("shown_if") or {}
            if "registry" in cond:
                shown = minority if cond["registry"] == "minority_languages" else np.ones(n, bool)
            elif "question" in cond:
                c = col(cond["question"])
                shown = np.zeros(n, bool) if c is None else (c == cond["equals"]).fill_null(False).to_numpy()
            else:
                shown = np.ones(n, bool)
            st[~shown & (st != ANSWERED)] = NOT_SHOWN
        if rule == "per_capita":
            st[np.isnan(population) & (st != NOT_REACHED)] = NO_POP
        start = ind.get("applies_from")
        if start is not None and ref is not None and ref < (start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))):
            st[:] = NOT_IN_FORCE
        if any(qc not in pages for qc in qs):
            st[:] = NOT_ASKED
        v = np.where(st == BLANK, 0.0 if reading["blank"] == "none" else np.nan, v)
        v = np.where(st == NA, np.nan if reading["na"] == "accepted" else 0.0, v)
        v = np.where(np.isin(st, (NOT_REACHED, NOT_SHOWN, NO_POP, NOT_IN_FORCE, NOT_ASKED)), np.nan, v)
        values[:, j], status[:, j] = v, st

    scores = compose(meth, inds, values, status, resp["unit_code"].to_numpy(), unit_type, wave)
    return Result(resp, resp["unit_code"].to_numpy(), [i["code"] for i in inds], values, status, scores)


def _wmean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    present = ~np.isnan(x)
    wsum = np.where(present, w, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(present, x * w, 0.0).sum(axis=1) / wsum
    out[wsum == 0] = np.nan
    return out


def _rank(x: np.ndarray) -> np.ndarray:
    """1 = highest; ties share the best rank; NaN stays unranked (0 here, null in the frame)."""
    out = np.zeros(len(x), np.int64)
    ok = ~np.isnan(x)
    out[ok] = np.searchsorted(np.sort(-x[ok]), -x[ok], side="left") + 1
    return out


def compose(meth: dict, inds: list, values: np.ndarray, status: np.ndarray, units: np.ndarray,
            unit_type: list, wave: str) -> pl.DataFrame:
    lo, hi = meth["method"]["normalise"]["default"]
    norm = (np.clip(values, lo, hi) - lo) / (hi - lo) * 100.0
    comp_of = np.array([i["component"] for i in inds])
    w = np.array([float(i["weight"]) for i in inds])
    cols: dict[str, np.ndarray] = {}
    cover: dict[str, np.ndarray] = {}
    pillar_vals = []
    for p in meth["pillars"]:
        comp_vals = []
        for c in p["components"]:
            sel = comp_of == c["code"]
            cols[c["code"]] = _wmean(norm[:, sel], w[sel])
            comp_vals.append(cols[c["code"]])
            scored = ~np.isnan(values[:, sel])
            applies = scored | ~np.isin(status[:, sel], EXCUSED)
            answered, total = (scored * w[sel]).sum(axis=1), (applies * w[sel]).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                cover[c["code"]] = np.where(total > 0, answered / np.where(total > 0, total, 1.0), np.nan)
        cols[p["code"]] = _wmean(np.column_stack(comp_vals), np.array([float(c["weight"]) for c in p["components"]]))
        pillar_vals.append(cols[p["code"]])
    code = meth["index"]["code"]
    lei = _wmean(np.column_stack(pillar_vals), np.array([float(p["weight"]) for p in meth["pillars"]]))
    rk = meth["ranking"]
    min_cov = rk["eligibility"]["min_component_coverage"]
    with np.errstate(invalid="ignore"):
        ranked = np.logical_and.reduce([cover[c] + 1e-9 >= min_cov for c in cover]) & ~np.isnan(lei)
    rounded = np.round(lei, rk["precision"])
    rankable = np.where(ranked, rounded, np.nan)
    rank = _rank(rankable)
    group = np.array(["city" if t == "capital_city" else (t or "unknown") for t in unit_type])
    rank_in_type = np.zeros(len(lei), np.int64)
    for g in np.unique(group):
        sel = group == g
        rank_in_type[sel] = _rank(rankable[sel])
    category = np.full(len(lei), None, object)
    todo = ranked.copy()
    for band in sorted(meth["categories"]["bands"], key=lambda b: -b["min"]):
        hit = todo & (rounded >= band["min"])
        category[hit] = band["sr_latn"]
        todo &= ~hit
    frame = {"wave": [wave] * len(lei), "unit_code": units, **cols, code: lei,
             "rank": np.where(rank > 0, rank, None), "rank_in_type": np.where(rank_in_type > 0, rank_in_type, None),
             "category": category, "ranked": ranked, **{f"coverage_{c}": v for c, v in cover.items()}}
    return pl.DataFrame({k: (list(v) if isinstance(v, np.ndarray) and v.dtype == object else v) for k, v in frame.items()},
                        strict=False)


def main(argv: list[str]) -> None:
    data = Path(argv[0])
    wave = argv[1] if len(argv) > 1 else str(_yaml(data / "waves.yaml")["waves"][-1]["id"])
    t0 = time.perf_counter()
    res = score(data, wave)
    print(f"{res.scores.height} units scored in {time.perf_counter() - t0:.2f} s")
    print(res.scores.sort("rank", nulls_last=True).head(5))


if __name__ == "__main__":
    main(sys.argv[1:])
