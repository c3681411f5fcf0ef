"""One sample wave's tables (clean responses, indicators, scores) computed by the core functions,
without Dagster, for the uncertainty tests. Reads the repository's data/ (inputs and raw sample
waves, never published outputs)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from lei_pipeline.settings import Settings


@dataclass(frozen=True)
class WaveTables:
    wave: str
    inputs: object
    responses: pd.DataFrame
    indicators: pd.DataFrame
    scores: pd.DataFrame


@lru_cache(maxsize=2)
def wave_tables(wave: str = "2022", methodology: str | None = None, na_units: int = 0) -> WaveTables:
    """methodology: a file under data/methodology/ (default: the one in force). na_units: that many
    units answer "not applicable" on SRV08 (the sample has no NA where v1 would accept it)."""
    from lei_pipeline.waves.inputs import load_inputs
    from lei_pipeline.methodology import compose_index, score_indicators
    from lei_pipeline.survey.clean import clean_responses
    from lei_pipeline.survey.readers import read_export
    from lei_pipeline.waves.declared import find_export

    settings = Settings.from_env()
    inputs = load_inputs(settings)
    if methodology is not None:
        from dataclasses import replace

        from lei_pipeline.methodology import load_methodology
        inputs = replace(inputs, methodology=load_methodology(settings.data_dir / "methodology" / methodology))
    raw = read_export(find_export(settings, wave), inputs.questionnaire, wave=wave)
    clean = clean_responses(raw.frame, inputs.questionnaire, inputs.registry, wave, matcher=inputs.matcher, headers=raw.headers).frame
    if na_units:
        clean = clean.copy()
        clean["SRV08"] = clean["SRV08"].astype(object)
        clean.loc[clean.index[:na_units], "SRV08"] = "NA"
    ind = score_indicators(clean, inputs.questionnaire, inputs.methodology)
    scores = compose_index(ind, inputs.registry, inputs.methodology)
    return WaveTables(wave, inputs, clean, ind, scores)
