"""A profile per local government: an anchored section of the report."""
from __future__ import annotations

import pandas as pd

from lei_pipeline.report import facts
from lei_pipeline.report.snapshot import SnapshotData
from lei_pipeline.report.text import bi, bi_pair, esc, fmt, fmt_int, type_label
from lei_pipeline.report.weights import criterion_gains

SHOWN_ACTIONS = 6
PEERS = 6


def _bar(v) -> str:
    try:
        w = max(0.0, min(100.0, float(v)))
    except (TypeError, ValueError):
        return ""
    return "" if w != w else f'<span class="bar" style="width:{w * 1.2:.0f}px"></span>'


def _gains(data: SnapshotData) -> pd.DataFrame | None:
    m, ind = data.methodology, data.table("indicators")
    if m is None or ind is None or not len(ind):
        return None
    g = criterion_gains(m, ind)
    g = g[g["gain"] > 0.005]
    return g.sort_values(["unit_code", "gain", "indicator"], ascending=[True, False, True], kind="stable")


class CriterionText(dict):
    """code -> a placeholder the page's script fills with the criterion's wording (both languages,
    as text, from one JSON catalogue): a profile per unit repeats the same wordings thousands of
    times, which made most of the report's bytes."""

    def __init__(self, descriptions: dict):
        super().__init__()
        self.descriptions = descriptions

    def __missing__(self, code: str) -> str:
        self[code] = text = f'<span class="crit" data-c="{esc(code)}"></span>'
        return text

    def catalogue(self) -> dict[str, list[str]]:
        """{code: [Serbian, English]} of every criterion used, without the closing full stop."""
        out = {}
        for code in sorted(self):
            d = self.descriptions.get(code, {})
            out[code] = [str(d.get(k, code)).rstrip(". ") for k in ("sr_latn", "en")]
        return out

    @classmethod
    def of(cls, methodology) -> "CriterionText":
        return cls({i.code: i.description for i in methodology.indicators} if methodology is not None else {})


def _criterion(texts: CriterionText, code: str) -> str:
    return texts[code]


def _action_cards(unit_gains: list[dict] | None, descriptions: dict) -> str:
    out = [f'<h3>{bi("actions")}</h3>']
    if not unit_gains:
        out.append('<p class="na">–</p>')
        return "".join(out)
    out.append(f'<p>{bi("actions_intro")}</p>')
    cards = []
    for r in unit_gains:
        cards.append(f'<div class="card">{_criterion(descriptions, r["indicator"])}: '
                     f'<b>+{fmt(r["gain"], 2)} <span class="l-sr">poena</span><span class="l-en">points</span></b> '
                     f'<small>({esc(r["indicator"])}, {fmt(r["value"])} / 100)</small></div>')
    out += cards[:SHOWN_ACTIONS]
    if len(cards) > SHOWN_ACTIONS:
        out.append(f'<details><summary>{bi("more_actions", n=len(cards) - SHOWN_ACTIONS)}</summary>'
                   + "".join(cards[SHOWN_ACTIONS:]) + "</details>")
    return "".join(out)


MET = 100.0 - 1e-9   # a criterion is met when its indicator scores the full 100


def criterion_changes(data: SnapshotData) -> dict[str, list[dict]] | None:
    """Per unit: criteria whose value changed since the pinned previous snapshot, each with its
    status (newly_meets, no_longer_meets, partly) and the LEI points it moved (change x the
    criterion's nominal effective weight in the LEI), largest first. None when the pinned
    snapshot's indicators are not at hand."""
    prev, ind, m = data.previous_indicators, data.table("indicators"), data.methodology
    if prev is None or ind is None or m is None:
        return None
    from lei_pipeline.report.weights import effective_weights

    w = effective_weights(m).set_index("indicator")["weight_in_lei"]
    cur = ind[["unit_code", "indicator", "value"]].astype({"unit_code": "str", "indicator": "str"})
    before = prev[["unit_code", "indicator", "value"]].astype({"unit_code": "str", "indicator": "str"})
    both = cur.merge(before, on=["unit_code", "indicator"], suffixes=("", "_previous"))
    both = both[both["indicator"].isin(w.index)]
    both["value"] = both["value"].astype("float64")
    both["value_previous"] = both["value_previous"].astype("float64")
    both["delta"] = both["value"] - both["value_previous"]
    both = both[both["delta"].abs() > 1e-9].copy()
    both["effect"] = both["delta"] * both["indicator"].map(w)
    met_now, met_before = both["value"] >= MET, both["value_previous"] >= MET
    both["status"] = "partly"
    both.loc[met_now & ~met_before, "status"] = "newly_meets"
    both.loc[~met_now & met_before, "status"] = "no_longer_meets"
    both = both.assign(size=both["effect"].abs()).sort_values(["unit_code", "size", "indicator"],
                                                               ascending=[True, False, True], kind="stable")
    out: dict[str, list[dict]] = {}
    for r in facts.records(both[["unit_code", "indicator", "value", "value_previous", "effect", "status"]]):
        out.setdefault(r["unit_code"], []).append(r)
    return out


def _criteria_unavailable(data: SnapshotData) -> str:
    if data.previous is None:
        return bi("no_criteria_change")
    ref = f"{data.previous[0]} v{data.previous[1]}"
    why = data.previous_missing or "missing"
    if why.startswith("methodology"):
        return bi("criteria_previous_methodology", previous=data.previous[0], why=why)
    return bi("criteria_previous_missing", previous=ref)


def _criteria_table(status: str, rows: list[dict], descriptions: dict) -> str:
    head = (f'<tr><th>{bi(status)}</th><th>{bi("previous")} → {bi("now")}</th>'
            f'<th>≈ <span class="l-sr">LEI poena</span><span class="l-en">LEI points</span></th></tr>')
    body = [(f'<tr><td>{_criterion(descriptions, c["indicator"])} <small>({esc(c["indicator"])})</small></td>'
             f'<td class="n">{fmt(c["value_previous"])} → {fmt(c["value"])}</td>'
             f'<td class="n">{"+" if c["effect"] > 0 else ""}{fmt(c["effect"], 2)}</td></tr>') for c in rows]
    out = f'<table class="criteria {status}">{head}{"".join(body[:SHOWN_ACTIONS])}</table>'
    if len(body) > SHOWN_ACTIONS:
        out += (f'<details><summary>{bi("more_actions", n=len(body) - SHOWN_ACTIONS)}</summary>'
                f'<table class="criteria {status}">{head}{"".join(body[SHOWN_ACTIONS:])}</table></details>')
    return out


def _change(row_change, cols, change: pd.DataFrame | None, criteria: list[dict] | None, descriptions: dict,
            data: SnapshotData) -> str:
    out = [f'<h3>{bi("change")}</h3>']
    if row_change is None:
        out.append(f'<p class="na">{bi("no_change")}</p>')
        return "".join(out)
    r = row_change
    out.append(f'<p>{esc(r.get("previous_wave", ""))}: LEI {fmt(r.get("lei_previous"))} → {fmt(r.get("lei"))} '
               f'(Δ {fmt(r.get("lei_change"))}); {bi("rank")} {fmt_int(r.get("rank_previous"))} → {fmt_int(r.get("rank"))}</p>')
    through = [(code, sr, en) for code, sr, en in cols if code != "lei" and f"{code}_change" in change.columns]
    if through:
        rows = "".join(f'<tr><td>{bi_pair(sr, en)}</td><td class="n">{fmt(r.get(f"{code}_change"))}</td></tr>'
                       for code, sr, en in through)
        out.append(f'<table><tr><th>{bi("through")}</th><th>Δ</th></tr>{rows}</table>')
    out.append(f'<h3>{bi("through_criteria")}</h3>')
    if criteria is None:
        out.append(f'<p class="na">{_criteria_unavailable(data)}</p>')
        return "".join(out)
    out.append(f'<p><small>{bi("criteria_intro", previous=f"{data.previous[0]} v{data.previous[1]}")}</small></p>')
    if not criteria:
        out.append(f'<p class="na">{bi("criteria_none")}</p>')
    for status in ("newly_meets", "no_longer_meets", "partly"):
        part = [c for c in criteria if c["status"] == status]
        if part:
            out.append(_criteria_table(status, part, descriptions))
    return "".join(out)


def _peers(members: list[dict], code: str) -> list[dict]:
    """Up to PEERS units of the same type nearest in rank (members in rank order)."""
    pos = next((i for i, r in enumerate(members) if str(r["unit_code"]) == code), None)
    if pos is None:
        return members[:PEERS]
    lo = max(0, min(pos - PEERS // 2, len(members) - PEERS - 1))
    return [r for r in members[lo:lo + PEERS + 1] if str(r["unit_code"]) != code][:PEERS]


def profile_sections(data: SnapshotData, scores: pd.DataFrame, cols, unc, anchor,
                     descriptions: CriterionText | None = None) -> str:
    m = data.methodology
    gains = _gains(data)
    gains_by_unit: dict[str, list] = {}
    for r in (facts.records(gains) if gains is not None else []):
        gains_by_unit.setdefault(str(r["unit_code"]), []).append(r)
    descriptions = descriptions if descriptions is not None else CriterionText.of(m)
    crit = criterion_changes(data)
    change = facts.comparable_change(data)
    change_by_unit = ({str(k): v for k, v in change.set_index(change["unit_code"].astype(str)).to_dict("index").items()}
                      if change is not None else {})
    unc_by_unit = unc.set_index("unit_code").to_dict("index") if unc is not None else {}
    order = scores.sort_values(["rank", "unit_code"], na_position="last", kind="stable")
    n_all = int(order["rank"].notna().sum())
    group = "type_group" if "type_group" in order.columns else "unit_type"
    n_type = order.groupby(group)["rank"].count().to_dict()
    means = order.groupby(group)[[c for c, _, _ in cols]].mean()
    cat_en = "category_en" in order.columns

    records = facts.records(order)
    members: dict = {}
    for r in records:  # each type's units in rank order
        members.setdefault(r.get(group), []).append(r)
    means = {tg: row for tg, row in means.to_dict("index").items()}
    out = [f'<section id="profiles"><h2>{bi("profiles")}</h2><p>{bi("profile_index")}</p><div class="units">']
    out += [f'<a href="#{anchor(r.unit_code)}">{esc(r.unit_name)}</a>' for r in order.itertuples()]
    out.append("</div></section>")
    for row in records:
        code = str(row["unit_code"])
        u = unc_by_unit.get(code, {})
        tg = row.get(group)
        interval = ""
        if u:
            interval = (f' <small>({bi("interval")}: {fmt_int(u.get("rank_low"))}–{fmt_int(u.get("rank_high"))}; '
                        f'LEI {fmt(u.get("score_low"))}–{fmt(u.get("score_high"))})</small>')
        rank_txt = fmt_int(row.get("rank")) if pd.notna(row.get("rank")) else bi("not_ranked")
        prob = ""
        if u and u.get("category_probability") == u.get("category_probability") and u.get("category_probability") is not None:
            prob = f' <small>({bi("probability")} {fmt(100 * u["category_probability"], 0)}%)</small>'
        cat = bi_pair(row.get("category") or "–", (row.get("category_en") if cat_en else row.get("category")) or "–")
        a = [f'<article id="{anchor(code)}" class="profile"><h2>{esc(row.get("unit_name"))} '
             f'<small>({bi_pair(type_label(row.get("unit_type"), "sr"), type_label(row.get("unit_type"), "en"))}, '
             f'{esc(code)})</small></h2>',
             f'<table><tr><th>LEI</th><td class="n">{fmt(row.get("lei"))}</td></tr>'
             f'<tr><th>{bi("rank")} · {bi("overall")}</th><td>{rank_txt} {bi("of")} {n_all}{interval}</td></tr>'
             f'<tr><th>{bi("rank")} · {bi("within_type")}</th><td>{fmt_int(row.get("rank_in_type"))} {bi("of")} '
             f'{n_type.get(tg, 0)} ({bi_pair(type_label(tg, "sr"), type_label(tg, "en"))})</td></tr>'
             f'<tr><th>{bi("category")}</th><td>{cat}{prob}</td></tr></table>']
        rows = "".join(f'<tr><td>{bi_pair(sr, en)}</td><td class="n">{fmt(row.get(c))}</td><td>{_bar(row.get(c))}</td>'
                       f'<td class="n">{fmt(means.get(tg, {}).get(c))}</td></tr>'
                       for c, sr, en in cols)
        a.append(f'<div class="cols"><div><table><tr><th>{bi("component")} / {bi("pillar")}</th><th>{bi("score")}</th>'
                 f'<th></th><th>{bi("type_average")}</th></tr>{rows}</table></div><div>')
        a.append(_change(change_by_unit.get(code), cols, change,
                         None if crit is None else crit.get(code, []), descriptions, data))
        prow = "".join(f'<tr><td><a href="#{anchor(p["unit_code"])}">{esc(p["unit_name"])}</a></td>'
                       f'<td class="n">{fmt(p["lei"])}</td><td class="n">{fmt_int(p["rank_in_type"])}</td></tr>'
                       for p in _peers(members.get(tg, []), code))
        a.append(f'<h3>{bi("peers")}</h3><table><tr><th>{bi("unit")}</th><th>LEI</th><th>{bi("rank")}</th></tr>{prow}</table>')
        a.append("</div></div>")
        a.append(_action_cards(gains_by_unit.get(code), descriptions) if gains is not None else "")
        a.append(f'<p><a href="#ranking">{bi("back")}</a></p></article>')
        out.append("".join(a))
    return "".join(out)
