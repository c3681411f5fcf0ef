"""Column descriptions of a published table, from one source: the table's contract for its own
columns (by name or pattern), the contract's templates filled with the methodology's names for
component and pillar columns, and the questionnaire's texts for answer columns. Dagster's column
schemas, the Parquet field descriptions, the workbook's about sheet and the datapackage all read
them from here."""
from __future__ import annotations

from lei_pipeline.schemas.tables import (CHANGE_COLUMN, COMPONENT_COLUMN, COVERAGE_COLUMN, PILLAR_COLUMN,
                                         PREVIOUS_COLUMN, QUESTION_COLUMN, SUBQUESTION_COLUMN)

# Columns of older snapshots that no contract names any more (a contract's description wins).
LEGACY_COLUMNS = {
    "rank_p05": "5th percentile rank over the uncertainty replications (best plausible rank)",
    "rank_p95": "95th percentile rank over the uncertainty replications (worst plausible rank)",
    "score_p05": "5th percentile of the LEI over the uncertainty replications",
    "score_p95": "95th percentile of the LEI over the uncertainty replications",
    "category_probability": "Share of replications in which the unit falls in its published category",
    "weight_in_component": "Effective weight of the indicator in its component (share, 0..1)",
    "weight_in_pillar": "Effective weight of the indicator in its pillar (share, 0..1)",
    "weight_in_lei": "Effective weight of the indicator in the LEI (share, 0..1): LEI points per indicator point",
    "eligible": "True when the unit meets the ranking eligibility rule",
    "rank_eligible": "True when the unit meets the ranking eligibility rule",
    "coverage": "Share of the unit's criteria with a value (0..1)",
    "target": "Aggregate the uncertainty row describes",
}


def methodology_columns(methodology) -> dict[str, str]:
    """Descriptions of the component and pillar score columns of the scores and change tables."""
    if methodology is None:
        return {}
    out = {}
    for c in methodology.components:
        out[c.code] = COMPONENT_COLUMN.format(en=c.name.get("en", c.code), sr_latn=c.name.get("sr_latn", c.code))
    for p in methodology.pillars:
        out[p.code] = PILLAR_COLUMN.format(en=p.name.get("en", p.code), sr_latn=p.name.get("sr_latn", p.code))
    for c in methodology.components:
        out[f"coverage_{c.code}"] = COVERAGE_COLUMN.format(en=c.name.get("en", c.code))
    # the change table carries every pillar and component as P, P_previous and P_change
    for node in [*methodology.components, *methodology.pillars]:
        en = node.name.get("en", node.code)
        out[f"{node.code}_previous"] = PREVIOUS_COLUMN.format(en=en)
        out[f"{node.code}_change"] = CHANGE_COLUMN.format(en=en)
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
    from lei_pipeline.schemas import CONTRACTS

    contract = CONTRACTS.get(table)
    extra = {**methodology_columns(methodology), **question_columns(questionnaire, columns)}
    out = {}
    for c in columns:
        c = str(c)
        out[c] = ((contract.describe(c) if contract is not None else "") or extra.get(c)
                  or _any_contract(c, CONTRACTS) or LEGACY_COLUMNS.get(c) or "")
    return out


def _any_contract(column: str, contracts) -> str:
    """A column another table's contract names (a table without a contract of its own)."""
    for contract in contracts.values():
        col = contract.column(column)
        if col is not None and not col.regex:
            return col.description
    return ""


def published_descriptions(tables: dict, methodology_path=None, questionnaire_path=None) -> dict[str, dict[str, str]]:
    """{table: {column: description}} for the tables of a snapshot about to be written, with the
    methodology's and the questionnaire's names for the columns they define."""
    from lei_pipeline.methodology.model import load_methodology
    from lei_pipeline.survey.questionnaire import load_questionnaire

    from pathlib import Path

    from lei_pipeline.errors import LeiError

    def readable(load, path):
        # Descriptions never stop a publish: a file that is not a methodology or questionnaire
        # (the publisher checks the methodology's hash, not its form) leaves its columns to the
        # contract's own words.
        try:
            return load(path) if path and Path(path).is_file() else None
        except LeiError:
            return None

    methodology = readable(load_methodology, methodology_path)
    questionnaire = readable(load_questionnaire, questionnaire_path)
    return {name: column_descriptions(name, frame.columns, methodology, questionnaire)
            for name, frame in tables.items()}
