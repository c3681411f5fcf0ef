"""Effective weights: what each indicator weighs in its component, its pillar and the LEI, as
the methodology declares them (every indicator present). Published with every snapshot as the
table `weights`, so nobody has to multiply the tree out by hand."""
from __future__ import annotations

import pandas as pd

from lei_pipeline.methodology.model import Methodology

WEIGHT_COLUMNS = ["indicator", "component", "pillar", "weight", "share_of_component", "share_of_pillar",
                  "share_of_lei", "reading_dont_know", "reading_blank", "reading_na", "applies_from",
                  "description_en", "methodology_version"]


def effective_weights(m: Methodology) -> pd.DataFrame:
    """One row per indicator: declared weight and its share (0..1) of the component, the pillar
    and the LEI. A unit missing an indicator has it rescaled away within its component, so these
    are the shares of a unit that answered everything. With each indicator's declared readings of
    don't-know, blank and NA, and the date it applies from (if any)."""
    comp_of = {c.code: c for c in m.components}
    pillar_of = {p.code: p for p in m.pillars}
    comp_total = {c.code: sum(i.weight for i in m.indicators if i.component == c.code) for c in m.components}
    pillar_total = {p.code: sum(c.weight for c in p.components) for p in m.pillars}
    lei_total = sum(p.weight for p in m.pillars)
    rows = []
    for i in m.indicators:
        c = comp_of[i.component]
        p = pillar_of[c.pillar]
        in_comp = i.weight / comp_total[c.code]
        in_pillar = in_comp * c.weight / pillar_total[p.code]
        rows.append({"indicator": i.code, "component": c.code, "pillar": p.code, "weight": float(i.weight),
                     "share_of_component": in_comp, "share_of_pillar": in_pillar,
                     "share_of_lei": in_pillar * p.weight / lei_total,
                     "reading_dont_know": i.reading.get("dont_know"), "reading_blank": i.reading.get("blank"),
                     "reading_na": i.reading.get("na"),
                     "applies_from": i.applies_from.isoformat() if i.applies_from else None,
                     "description_en": i.description.get("en"), "methodology_version": m.version})
    out = pd.DataFrame(rows, columns=WEIGHT_COLUMNS)
    for col in ("indicator", "component", "pillar", "description_en", "methodology_version", "reading_dont_know",
                "reading_blank", "reading_na", "applies_from"):
        out[col] = out[col].astype("str")
    return out
