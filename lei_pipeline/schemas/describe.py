"""Column descriptions of a published table, from one source: the pandera contracts for the
fixed columns, the contract's templates filled with the methodology's names for component and
pillar columns, and the questionnaire's texts for answer columns. Dagster's column schemas,
the workbook's about sheet and the datapackage all read them from here."""
from __future__ import annotations

from lei_pipeline.schemas.tables import (COMPONENT_COLUMN, PILLAR_COLUMN, QUESTION_COLUMN, SUBQUESTION_COLUMN)
from lei_pipeline.schemas.validate import column_schema

# Columns of tables other parts of the pipeline add, for snapshots whose contract does not
# describe them (kept short; a contract's own description wins).
KNOWN_COLUMNS = {
    "nominal_score": "LEI of the published (nominal) build",
    "nominal_rank": "Overall rank of the published (nominal) build",
    "mean_rank": "Mean rank over the uncertainty replications",
    "median_rank": "Median rank over the uncertainty replications",
    "rank_p05": "5th percentile rank over the uncertainty replications (best plausible rank)",
    "rank_p95": "95th percentile rank over the uncertainty replications (worst plausible rank)",
    "rank_q05": "5th percentile rank over the uncertainty replications (best plausible rank)",
    "rank_q95": "95th percentile rank over the uncertainty replications (worst plausible rank)",
    "score_p05": "5th percentile of the LEI over the uncertainty replications",
    "score_p95": "95th percentile of the LEI over the uncertainty replications",
    "score_q05": "5th percentile of the LEI over the uncertainty replications",
    "score_q95": "95th percentile of the LEI over the uncertainty replications",
    "mean_abs_rank_shift": "Mean absolute difference between a replication's rank and the nominal rank",
    "category_probability": "Share of replications in which the unit falls in its published category",
    "indicator": "Indicator (criterion) code of the methodology",
    "component": "Component the indicator belongs to",
    "pillar": "Pillar the component belongs to",
    "weight": "Weight of the indicator in its component as written in the methodology",
    "weight_in_component": "Effective weight of the indicator in its component (share, 0..1)",
    "weight_in_pillar": "Effective weight of the indicator in its pillar (share, 0..1)",
    "weight_in_lei": "Effective weight of the indicator in the LEI (share, 0..1): LEI points per indicator point",
    "comparable": "True when the unit's change compares like with like (same methodology and question set)",
    "eligible": "True when the unit meets the ranking eligibility rule",
    "rank_eligible": "True when the unit meets the ranking eligibility rule",
    "coverage": "Share of the unit's criteria with a value (0..1)",
    "target": "Aggregate the uncertainty row describes",
    "last_page": "Last survey page the respondent reached (LimeSurvey lastpage): a question on a later page reads as not reached",
}


def methodology_columns(methodology) -> dict[str, str]:
    """Descriptions of the component and pillar score columns of the scores table."""
    if methodology is None:
        return {}
    out = {}
    for c in methodology.components:
        out[c.code] = COMPONENT_COLUMN.format(en=c.name.get("en", c.code), sr_latn=c.name.get("sr_latn", c.code))
    for p in methodology.pillars:
        out[p.code] = PILLAR_COLUMN.format(en=p.name.get("en", p.code), sr_latn=p.name.get("sr_latn", p.code))
    for c in methodology.components:
        out[f"coverage_{c.code}"] = (f"Share (0..1) of the {c.name.get('en', c.code)} component's weight the unit "
                                     f"answered; criteria missing by design do not count (ranking eligibility)")
    # the change table carries every pillar and component as P, P_previous and P_change
    for node in [*methodology.components, *methodology.pillars]:
        en = node.name.get("en", node.code)
        out[f"{node.code}_previous"] = (f"{en} score (0-100) in the previous wave, under the same methodology "
                                        f"and over the indicators both waves share")
        out[f"{node.code}_change"] = f"{en}: this wave's score minus the previous wave's, in points"
    return out


def question_columns(questionnaire, columns) -> dict[str, str]:
    out = {}
    if questionnaire is None:
        return out
    for col in columns:
        try:
            q, sub = questionnaire.column_question(str(col))
        except KeyError:
            continue
        if sub is None:
            out[col] = QUESTION_COLUMN.format(code=q.code, en=q.text.get("en", ""))
        else:
            out[col] = SUBQUESTION_COLUMN.format(code=q.code, sub=sub.code, en=q.text.get("en", ""),
                                                 sub_en=sub.label.get("en", ""))
    return out


def column_descriptions(table: str, columns, methodology=None, questionnaire=None) -> dict[str, str]:
    """{column: description} for every column given ('' only when nothing describes it)."""
    from lei_pipeline.schemas import MODELS

    model = MODELS.get(table)
    contract = {name: desc for name, _, desc in column_schema(model)} if model is not None else {}
    extra = {**methodology_columns(methodology), **question_columns(questionnaire, columns)}
    out = {}
    for c in columns:
        c = str(c)
        out[c] = contract.get(c) or extra.get(c) or KNOWN_COLUMNS.get(c) or ""
    return out
