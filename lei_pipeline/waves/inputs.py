"""The versioned inputs a wave is read and scored against, loaded together so that every layer
(Dagster, CLI, benchmarks) uses the same questionnaire, methodology and registry."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lei_pipeline.settings import Settings


@dataclass
class SurveyInputs:
    questionnaire: object
    methodology: object
    registry: pd.DataFrame
    matcher: object


def load_inputs(settings: Settings) -> SurveyInputs:
    from lei_pipeline.methodology import load_methodology
    from lei_pipeline.registry import Matcher, load_registry
    from lei_pipeline.survey.questionnaire import load_questionnaire

    from lei_pipeline.methodology.facts import languages_path, with_official_languages

    registry = load_registry(settings.registry_path)
    registry = with_official_languages(registry, languages_path(settings.registry_path.parent))
    return SurveyInputs(
        questionnaire=load_questionnaire(settings.questionnaire_path),
        methodology=load_methodology(settings.methodology_path),
        registry=registry,
        matcher=Matcher(registry, respondents_only=True),
    )
