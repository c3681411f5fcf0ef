"""The report's Plotly figures as plain JSON specs ({data, layout}) plus their labels in both
languages. Deterministic: fixed div ids, sorted keys, no randomness; text reaches Plotly escaped."""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lei_pipeline.report.text import plot_text, type_label, word

COLORS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"]  # categories, best first
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["sendDataToCloud", "lasso2d", "select2d"]}


def _figure(*data) -> go.Figure:
    # No template: building plotly's default one costs seconds per figure, and the page styles the charts.
    return go.Figure(list(data), layout={"template": "none"})


def _spec(fig: go.Figure) -> dict:
    d = fig.to_plotly_json()
    d["layout"].pop("template", None)
    return {"data": d["data"], "layout": d["layout"]}


def _labels(layout_sr: dict, layout_en: dict, names_sr: list | None = None, names_en: list | None = None) -> dict:
    return {"sr": {"layout": layout_sr, "names": names_sr}, "en": {"layout": layout_en, "names": names_en}}


def ranking(scores, categories, unc) -> tuple[dict, dict]:
    """LEI bars coloured by category; with uncertainty, a second panel of ranks with 5-95% bars."""
    s = scores.sort_values(["rank", "unit_code"], na_position="last", kind="stable")
    names = [plot_text(f"{r} {n}" if r == r and r is not None else n)
             for r, n in zip(s["rank"].astype("float64").map(lambda v: None if v != v else int(v)), s["unit_name"])]
    color_of = {c: COLORS[min(i, len(COLORS) - 1)] for i, c in enumerate(categories)}
    colors = [color_of.get(c, "#999999") for c in s["category"]]
    lei = s["lei"].astype("float64").round(2).tolist()
    cols = 2 if unc is not None else 1
    fig = make_subplots(rows=1, cols=cols, shared_yaxes=True, column_widths=[0.6, 0.4][:cols] if cols == 2 else None,
                        horizontal_spacing=0.04, figure=_figure())
    fig.add_trace(go.Bar(x=lei, y=names, orientation="h", marker={"color": colors}, name="LEI",
                         hovertemplate="%{y}: %{x:.1f}<extra></extra>"), row=1, col=1)
    if unc is not None:
        u = s[["unit_code"]].merge(unc, on="unit_code", how="left")
        mid = u["nominal_rank"].where(u["nominal_rank"].notna(), s["rank"].astype("float64").to_numpy())
        fig.add_trace(go.Scatter(
            x=mid.round(2).tolist(), y=names, mode="markers", name="rank", marker={"color": "#2c7bb6", "size": 6},
            error_x={"type": "data", "symmetric": False, "color": "#2c7bb6",
                     "array": (u["rank_high"] - mid).clip(lower=0).round(2).fillna(0).tolist(),
                     "arrayminus": (mid - u["rank_low"]).clip(lower=0).round(2).fillna(0).tolist()},
            hovertemplate="%{y}: %{x}<extra></extra>"), row=1, col=2)
        fig.update_xaxes(autorange="reversed", row=1, col=2)
    fig.update_yaxes(autorange="reversed", tickfont={"size": 10}, automargin=True)
    fig.update_layout(height=max(300, 16 * len(s) + 120), showlegend=False, bargap=0.15,
                      margin={"l": 10, "r": 10, "t": 40, "b": 30}, template="none")
    x_sr = {"xaxis.title.text": word("rank_chart_score", "sr")}
    x_en = {"xaxis.title.text": word("rank_chart_score", "en")}
    if unc is not None:
        x_sr["xaxis2.title.text"] = word("rank_chart_rank", "sr")
        x_en["xaxis2.title.text"] = word("rank_chart_rank", "en")
    fig.update_layout(**{k.replace(".", "_"): v for k, v in x_sr.items()})
    return _spec(fig), _labels(x_sr, x_en)


def components(scores, columns: list[tuple[str, str, str]]) -> tuple[dict, dict]:
    """Heatmap: units (rank order) x components, pillars and LEI. columns: (code, sr, en)."""
    s = scores.sort_values(["rank", "unit_code"], na_position="last", kind="stable")
    z = s[[c for c, _, _ in columns]].astype("float64").round(1)
    names = [plot_text(n) for n in s["unit_name"]]
    fig = _figure(go.Heatmap(z=z.to_numpy().tolist(), x=list(range(len(columns))), y=names,
                               zmin=0, zmax=100, colorscale="RdYlGn", hovertemplate="%{y}: %{z:.1f}<extra></extra>",
                               colorbar={"title": {"text": "0-100"}}))
    fig.update_yaxes(autorange="reversed", tickfont={"size": 10}, automargin=True)
    fig.update_xaxes(side="top", automargin=True, tickvals=list(range(len(columns))),
                     ticktext=[plot_text(sr) for _, sr, _ in columns])
    fig.update_layout(height=max(300, 16 * len(s) + 160), margin={"l": 10, "r": 10, "t": 120, "b": 10},
                      template="none")
    return _spec(fig), _labels({"xaxis.ticktext": [plot_text(sr) for _, sr, _ in columns],
                                "xaxis.tickvals": list(range(len(columns)))},
                               {"xaxis.ticktext": [plot_text(en) for _, _, en in columns],
                                "xaxis.tickvals": list(range(len(columns)))})


def by_type(scores) -> tuple[dict, dict]:
    groups = sorted(scores["unit_type"].astype(str).unique())
    fig = _figure()
    for g in groups:
        part = scores[scores["unit_type"].astype(str) == g]
        fig.add_trace(go.Box(y=part["lei"].astype("float64").round(2).tolist(), name=plot_text(type_label(g, "sr")),
                             boxpoints="all", jitter=0.4, pointpos=0,
                             text=[plot_text(n) for n in part["unit_name"]], hovertemplate="%{text}: %{y:.1f}<extra></extra>"))
    fig.update_layout(height=380, showlegend=False, yaxis={"range": [0, 100], "title": {"text": "LEI"}},
                      margin={"l": 40, "r": 10, "t": 20, "b": 40}, template="none")
    names_sr = [plot_text(type_label(g, "sr")) for g in groups]
    names_en = [plot_text(type_label(g, "en")) for g in groups]
    return _spec(fig), _labels({}, {}, names_sr, names_en)


def _wrap(label: str) -> str:
    return plot_text(label).replace(" ", "<br>")


def by_category(scores, categories_sr: list[str], categories_en: list[str]) -> tuple[dict, dict]:
    groups = sorted(scores["unit_type"].astype(str).unique())
    fig = _figure()
    for g in groups:
        part = scores[scores["unit_type"].astype(str) == g]["category"].astype(str)
        fig.add_trace(go.Bar(x=list(range(len(categories_sr))), y=[int((part == c).sum()) for c in categories_sr],
                             name=plot_text(type_label(g, "sr"))))
    fig.update_layout(barmode="stack", height=360, margin={"l": 40, "r": 10, "t": 20, "b": 40},
                      xaxis={"tickvals": list(range(len(categories_sr))), "ticktext": [_wrap(c) for c in categories_sr],
                             "tickangle": 0},
                      template="none")
    return _spec(fig), _labels({"xaxis.ticktext": [_wrap(c) for c in categories_sr]},
                               {"xaxis.ticktext": [_wrap(c) for c in categories_en]},
                               [plot_text(type_label(g, "sr")) for g in groups],
                               [plot_text(type_label(g, "en")) for g in groups])


def movers(top) -> tuple[dict, dict]:
    """Horizontal bars of LEI change for the biggest movers (top: unit_name, lei_change)."""
    t = top.sort_values("lei_change", kind="stable")
    vals = t["lei_change"].astype("float64").round(2).tolist()
    fig = _figure(go.Bar(x=vals, y=[plot_text(n) for n in t["unit_name"]], orientation="h",
                           marker={"color": ["#1a9850" if v >= 0 else "#d73027" for v in vals]},
                           hovertemplate="%{y}: %{x:+.1f}<extra></extra>"))
    fig.update_yaxes(automargin=True)
    fig.update_layout(height=max(250, 22 * len(t) + 80), margin={"l": 10, "r": 10, "t": 20, "b": 40},
                      template="none", xaxis={"title": {"text": "Δ LEI"}})
    return _spec(fig), _labels({}, {})
