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


def _action_cards(unit_gains: pd.DataFrame | None, m) -> str:
    out = [f'<h3>{bi("actions")}</h3>']
    if unit_gains is None:
        out.append('<p class="na">–</p>')
        return "".join(out)
    out.append(f'<p>{bi("actions_intro")}</p>')
    cards = []
    for r in unit_gains.itertuples():
        d = m.indicator(r.indicator).description
        sr, en = (str(d.get(k, r.indicator)).rstrip(". ") for k in ("sr_latn", "en"))
        cards.append(f'<div class="card">{bi_pair(sr, en)}: '
                     f'<b>+{fmt(r.gain, 2)} <span class="l-sr">poena</span><span class="l-en">points</span></b> '
                     f'<small>({esc(r.indicator)}, {fmt(r.value)} / 100)</small></div>')
    out += cards[:SHOWN_ACTIONS]
    if len(cards) > SHOWN_ACTIONS:
        out.append(f'<details><summary>{bi("more_actions", n=len(cards) - SHOWN_ACTIONS)}</summary>'
                   + "".join(cards[SHOWN_ACTIONS:]) + "</details>")
    return "".join(out)


def _change(row_change, cols, change: pd.DataFrame | None) -> str:
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
    return "".join(out)


def profile_sections(data: SnapshotData, scores: pd.DataFrame, cols, unc, anchor) -> str:
    m = data.methodology
    gains = _gains(data)
    gains_by_unit = dict(tuple(gains.groupby("unit_code", sort=False))) if gains is not None else {}
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

    out = [f'<section id="profiles"><h2>{bi("profiles")}</h2><p>{bi("profile_index")}</p><div class="units">']
    out += [f'<a href="#{anchor(r.unit_code)}">{esc(r.unit_name)}</a>' for r in order.itertuples()]
    out.append("</div></section>")
    for row in order.to_dict("records"):
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
                       f'<td class="n">{fmt(means.loc[tg, c]) if tg in means.index else "–"}</td></tr>'
                       for c, sr, en in cols)
        a.append(f'<div class="cols"><div><table><tr><th>{bi("component")} / {bi("pillar")}</th><th>{bi("score")}</th>'
                 f'<th></th><th>{bi("type_average")}</th></tr>{rows}</table></div><div>')
        a.append(_change(change_by_unit.get(code), cols, change))
        peers = order[(order[group] == tg) & (order["unit_code"].astype(str) != code)]
        if "rank_in_type" in peers and pd.notna(row.get("rank_in_type")):
            dist = (peers["rank_in_type"].astype("float64") - float(row["rank_in_type"])).abs()
            peers = peers.assign(_d=dist).sort_values(["_d", "unit_code"], kind="stable").head(PEERS)
            peers = peers.sort_values(["rank_in_type", "unit_code"], kind="stable")
        else:
            peers = peers.head(PEERS)
        prow = "".join(f'<tr><td><a href="#{anchor(p.unit_code)}">{esc(p.unit_name)}</a></td>'
                       f'<td class="n">{fmt(p.lei)}</td><td class="n">{fmt_int(p.rank_in_type)}</td></tr>'
                       for p in peers.itertuples())
        a.append(f'<h3>{bi("peers")}</h3><table><tr><th>{bi("unit")}</th><th>LEI</th><th>{bi("rank")}</th></tr>{prow}</table>')
        a.append("</div></div>")
        a.append(_action_cards(gains_by_unit.get(code), m) if gains is not None else "")
        a.append(f'<p><a href="#ranking">{bi("back")}</a></p></article>')
        out.append("".join(a))
    return "".join(out)
