"""Answer readings as uncertain inputs: how don't-know, blank and not-applicable answers are
read, re-scored through the methodology's own scorer (score_indicators).

A reading is {aspect: option}; an aspect left out keeps the methodology's own reading.
  dont_know: zero     | missing   don't-know scores 0, or leaves the criterion out
  blank:     missing  | none      a blank answer leaves the criterion out, or reads as "none" (0)
  na:        accepted | refused   NA leaves the criterion out, or is refused: scored as the
                                   question's lowest answer (the criterion is not fulfilled)
Methodology v1 reads (zero, missing, accepted). When the scorer takes a `reading` argument (the
methodology v2 scorer declares its readings), the reading is passed to it as is; otherwise the
v1 methodology and the answers are adjusted so that the v1 scorer reads them that way."""
from __future__ import annotations

import inspect
from dataclasses import replace

import numpy as np
import pandas as pd

from lei_pipeline.errors import LeiError

READINGS = {"dont_know": ("zero", "missing"), "blank": ("missing", "none"), "na": ("accepted", "refused")}
NA_CODE = "NA"


def check_readings(readings: dict[str, tuple]) -> None:
    """Every aspect and option of a spec's readings is one the scorer knows."""
    for aspect, options in readings.items():
        if aspect not in READINGS:
            raise LeiError(f"uncertainty readings: unknown aspect {aspect!r}; known: {', '.join(READINGS)}")
        bad = [o for o in options if o not in READINGS[aspect]]
        if bad:
            raise LeiError(f"uncertainty readings {aspect}: unknown reading(s) {bad}; "
                           f"known: {', '.join(READINGS[aspect])}")


def wide_indicators(ind: pd.DataFrame, m) -> pd.DataFrame:
    """The long indicator table of one wave as the engine's input: unit_code + one column per indicator."""
    wide = ind.pivot(index="unit_code", columns="indicator", values="value")
    return wide.reindex(columns=[i.code for i in m.indicators]).astype(float).rename_axis(columns=None).reset_index()


def _v1_inputs(frame: pd.DataFrame, m, reading: dict):
    """The v1 methodology and answers that make the v1 scorer read as `reading` says."""
    if reading.get("dont_know", "zero") == "missing":
        m = replace(m, dont_know_score=float("nan"))
    if reading.get("blank", "missing") == "none":
        m = replace(m, indicators=[replace(i, missing="zero") for i in m.indicators])
    if reading.get("na", "accepted") == "refused":
        frame = frame.copy()
        for i in m.indicators:
            table = i.points if i.rule == "points" else m.levels if i.rule == "sophistication" else None
            if not table or i.question not in frame.columns:
                continue
            lowest = min(table, key=table.get)
            col = frame[i.question]
            frame[i.question] = col.where(col.astype(object) != NA_CODE, lowest)
    return frame, m


def rescorer(clean_responses: pd.DataFrame, questionnaire, m, scored=None, **score_kwargs):
    """A function reading -> the wave's indicators, wide (unit_code + indicator columns);
    score_kwargs (registry, reference_dates) go to a scorer that takes them. scored: these
    responses' IndicatorMatrix under the methodology's own reading, if already made."""
    from lei_pipeline.methodology import score_indicators

    # a methodology that declares its readings (v2) is re-read by the scorer itself; v1 declares none,
    # so its answers and rules are adjusted to read as asked
    takes_reading = ("reading" in inspect.signature(score_indicators).parameters
                     and getattr(m, "declares_reading", False))
    # v1 scores the answers again for each reading: each is scored once, for the uncertainty and the
    # Sobol runs. v2 re-reads one scored matrix (quick), so nothing is kept: the analysis holds only
    # the readings it is using (8 readings x ~60 MB at 100,000 units).
    done: dict[tuple, pd.DataFrame] = {}

    def rescore(reading: dict) -> pd.DataFrame:
        if takes_reading:
            return _score(reading)
        key = tuple(sorted(reading.items()))
        if key not in done:
            done[key] = _score(reading)
        return done[key]

    # v2: the answers scored once; a reading only changes the values of DK, blank and NA cells
    matrices = [] if scored is None else [scored]

    def _score(reading: dict) -> pd.DataFrame:
        if takes_reading:  # the scorer declares its readings itself
            from lei_pipeline.methodology.scoring import score_matrix

            if not matrices:
                matrices.append(score_matrix(clean_responses, questionnaire, m, **score_kwargs))
            return matrices[0].wide(matrices[0].reread(reading, m), codes=[i.code for i in m.indicators])
        else:
            frame, m_read = _v1_inputs(clean_responses, m, reading)
            return wide_indicators(score_indicators(frame, questionnaire, m_read, **score_kwargs), m)

    return rescore


def touched_units(clean_responses: pd.DataFrame, m, aspect: str) -> np.ndarray:
    """unit_codes whose answers an aspect's reading can change (any DK, blank or NA answer on a
    scored question); for tests and reports."""
    cols = [c for i in m.indicators for c in i.questions if c in clean_responses.columns]
    sub = clean_responses[cols].astype(object)
    if aspect == "dont_know":
        hit = (sub == "DK").any(axis=1)
    elif aspect == "na":
        hit = (sub == NA_CODE).any(axis=1)
    else:
        raise LeiError(f"touched_units: aspect {aspect!r} not supported")
    return clean_responses.loc[hit.to_numpy(), "unit_code"].astype(str).to_numpy()
