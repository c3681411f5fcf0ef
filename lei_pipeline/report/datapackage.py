"""The snapshot's data dictionary: a Frictionless datapackage.json.

Every table and column has a title, description, type and unit. Descriptions come from the table
contracts (lei_pipeline.schemas.describe); the answer columns of responses carry their question's
code, text in the three languages and answer codes (from the questionnaire copy); the indicator
column of indicators lists every indicator with its rule and source questions (from the
methodology copy)."""
from __future__ import annotations

import json

from lei_pipeline.report.snapshot import QUESTIONNAIRE_COPY, SnapshotData
from lei_pipeline.schemas.describe import column_descriptions
from lei_pipeline.vocabulary import LANGUAGES

TABLE_TEXT = {
    "responses": ("Responses", "One typed row per (wave, local government): the kept answer of each question"),
    "indicators": ("Indicators", "One indicator (criterion) score 0..100 per (wave, local government, indicator), "
                                 "with the scoring trace"),
    "scores": ("Scores", "One row per (wave, local government): component and pillar scores, LEI, ranks, category"),
    "change": ("Change", "LEI and rank change against the previous comparable wave, per local government"),
    "uncertainty": ("Uncertainty", "Rank and score intervals per local government from the uncertainty analysis"),
    "weights": ("Weights", "Effective weight of each indicator in its component, pillar and the LEI"),
}
KEYS = {"responses": ["wave", "unit_code"], "indicators": ["wave", "unit_code", "indicator"],
        "scores": ["wave", "unit_code"], "change": ["wave", "unit_code"]}


def frictionless_type(arrow_type: str) -> str:
    t = arrow_type.lower()
    if t.startswith(("int", "uint")):
        return "integer"
    if t in ("double", "float", "halffloat") or t.startswith(("float", "decimal")):
        return "number"
    if t == "bool":
        return "boolean"
    if t.startswith("timestamp"):
        return "datetime"
    if t.startswith("date"):
        return "date"
    return "string"


def unit_of(table: str, column: str, ftype: str, score_columns: set[str]) -> str:
    c = column.lower()
    if table == "weights" and c.startswith("weight"):
        return "share 0..1"
    if "rank" in c and "shift" not in c:
        return "rank (1 = best)" if not c.endswith("_change") else "ranks (positive = moved up)"
    if c.endswith("_change"):
        return "LEI points"
    if column in score_columns or c in ("lei", "lei_previous", "value") or c.startswith("score_"):
        return "points 0..100"
    if c in ("coverage", "category_probability") or c.startswith(("p_", "prob_")):
        return "share 0..1"
    if ftype in ("datetime", "date"):
        return "UTC time" if ftype == "datetime" else "date"
    return "none (code or text)" if ftype == "string" else ("count" if ftype == "integer" else "none")


def _question_fields(data: SnapshotData, column: str) -> dict:
    q = data.questionnaire
    if q is None:
        return {}
    try:
        question, sub = q.column_question(column)
    except KeyError:
        return {}
    out = {"questionCode": question.code, "questionType": question.type,
           "questionText": {k: question.text.get(k, "") for k in LANGUAGES}}
    if sub is not None:
        out["subquestion"] = {"code": sub.code, "label": {k: sub.label.get(k, "") for k in LANGUAGES}}
        out["answerCodes"] = [{"code": "Y", "meaning": "ticked"}]
    elif question.options:
        out["answerCodes"] = [{"code": o.code, "label": {k: o.label.get(k, "") for k in LANGUAGES}}
                              for o in question.options]
    return out


def _indicator_list(data: SnapshotData) -> list[dict]:
    m = data.methodology
    if m is None:
        return []
    return [{"code": i.code, "component": i.component, "rule": i.rule, "weight": i.weight,
             "sourceQuestions": i.questions, "description": {k: i.description.get(k, "") for k in ("sr_latn", "en")}}
            for i in m.indicators]


def _resource(data: SnapshotData, name: str, entry: dict) -> dict:
    schema = entry.get("schema") or []
    columns = [f["name"] for f in schema]
    desc = column_descriptions(name, columns, data.methodology, data.questionnaire)
    m = data.methodology
    score_cols = set((m.component_codes + m.pillar_codes + [m.index_code]) if m is not None else [])
    fields = []
    for f in schema:
        ftype = frictionless_type(str(f["type"]))
        field = {"name": f["name"], "title": f["name"].replace("_", " "), "type": ftype,
                 "description": desc.get(f["name"]) or f"Column {f['name']} of the {name} table",
                 "unit": unit_of(name, f["name"], ftype, score_cols)}
        if name == "responses":
            field.update(_question_fields(data, f["name"]))
        if name == "indicators" and f["name"] == "indicator" and m is not None:
            field["indicators"] = _indicator_list(data)
        fields.append(field)
    title, text = TABLE_TEXT.get(name, (name.title(), f"The {name} table"))
    res = {"name": name, "path": entry.get("file", f"{name}.parquet"), "format": "parquet",
           "mediatype": "application/vnd.apache.parquet", "encoding": "binary", "title": title, "description": text,
           "hash": f"sha256:{entry.get('sha256', '')}", "rows": entry.get("rows"), "schema": {"fields": fields}}
    if name in KEYS and all(k in columns for k in KEYS[name]):
        res["schema"]["primaryKey"] = KEYS[name]
    return res


def build_datapackage(data: SnapshotData) -> bytes:
    mf = data.manifest
    meth = mf.get("methodology") or {}
    resources = [_resource(data, name, entry) for name, entry in sorted((mf.get("tables") or {}).items())]
    package = {
        "profile": "data-package",
        "name": f"lei-wave-{str(data.wave).lower()}-version-{data.version}",
        "title": f"Local eGovernance Index (LEI), wave {data.wave}, version {data.version}",
        "description": ("Published snapshot of the LEI: survey responses, indicator scores, the composite index and "
                        "change against the previous wave." + (f" Notice: {mf['notice']}." if mf.get("notice") else "")),
        "version": f"{data.version}.0.0",
        "created": mf.get("created_at"),
        "keywords": ["LEI", "eGovernment", "Serbia", "local government", "composite index"],
        "methodology": {"file": meth.get("file"), "version": meth.get("version"), "sha256": meth.get("sha256")},
        "questionnaire": {"file": QUESTIONNAIRE_COPY if data.questionnaire_text is not None else None,
                          "version": mf.get("questionnaire_version")},
        "notice": mf.get("notice"),
        "resources": resources,
    }
    return (json.dumps(package, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
