"""The report's Plotly figures as plain JSON specs ({data, layout}) plus their labels in both
languages. Deterministic: fixed div ids, sorted keys, no randomness; text reaches Plotly escaped."""
from __future__ import annotations

from lei_pipeline.report.text import plot_text, type_label, word

COLORS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"]  # categories, best first
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["sendDataToCloud", "lasso2d", "select2d"]}
# ColorBrewer's RdYlGn as Plotly lists it (plotly.js itself knows no scale of that name).
RD_YL_GN = [[0.0, "rgb(165,0,38)"], [0.1, "rgb(215,48,39)"], [0.2, "rgb(244,109,67)"], [0.3, "rgb(253,174,97)"],
            [0.4, "rgb(254,224,139)"], [0.5, "rgb(255,255,191)"], [0.6, "rgb(217,239,139)"], [0.7, "rgb(166,217,106)"],
            [0.8, "rgb(102,189,99)"], [0.9, "rgb(26,152,80)"], [1.0, "rgb(0,104,55)"]]
# The ranking's two panels side by side (60 % / 40 %, 4 % apart), sharing the units' axis.
RANK_PANELS = ([0.0, 0.576], [0.616, 1.0])


def _spec(data: list[dict], **layout) -> dict:
    # Written as plotly.js reads it, not through plotly's Python figure objects: those validate every
    # value (0.6 s for a report's five charts) to give the same JSON. No template: the page styles
    # the charts. lei_pipeline_tests/report/test_charts.py compares each spec with plotly's own.
    return {"data": data, "layout": layout}


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
    units_axis = {"automargin": True, "autorange": "reversed", "domain": [0.0, 1.0], "tickfont": {"size": 10}}
    data = [{"type": "bar", "x": lei, "y": names, "orientation": "h", "marker": {"color": colors}, "name": "LEI",
             "hovertemplate": "%{y}: %{x:.1f}<extra></extra>", "xaxis": "x", "yaxis": "y"}]
    layout = {"xaxis": {"anchor": "y", "domain": [0.0, 1.0]}, "yaxis": {"anchor": "x", **units_axis}}
    x_sr = {"xaxis.title.text": word("rank_chart_score", "sr")}
    x_en = {"xaxis.title.text": word("rank_chart_score", "en")}
    if unc is not None:
        u = s[["unit_code"]].merge(unc, on="unit_code", how="left")
        mid = u["nominal_rank"].where(u["nominal_rank"].notna(), s["rank"].astype("float64").to_numpy())
        data.append({
            "type": "scatter", "x": mid.round(2).tolist(), "y": names, "mode": "markers", "name": "rank",
            "marker": {"color": "#2c7bb6", "size": 6},
            "error_x": {"type": "data", "symmetric": False, "color": "#2c7bb6",
                        "array": (u["rank_high"] - mid).clip(lower=0).round(2).fillna(0).tolist(),
                        "arrayminus": (mid - u["rank_low"]).clip(lower=0).round(2).fillna(0).tolist()},
            "hovertemplate": "%{y}: %{x}<extra></extra>", "xaxis": "x2", "yaxis": "y2"})
        layout["xaxis"]["domain"] = RANK_PANELS[0]
        layout["xaxis2"] = {"anchor": "y2", "autorange": "reversed", "domain": RANK_PANELS[1],
                            "title": {"text": word("rank_chart_rank", "sr")}}
        layout["yaxis2"] = {"anchor": "x2", "matches": "y", "showticklabels": False, **units_axis}
        x_sr["xaxis2.title.text"] = word("rank_chart_rank", "sr")
        x_en["xaxis2.title.text"] = word("rank_chart_rank", "en")
    layout["xaxis"]["title"] = {"text": word("rank_chart_score", "sr")}
    return _spec(data, height=max(300, 16 * len(s) + 120), showlegend=False, bargap=0.15,
                 margin={"l": 10, "r": 10, "t": 40, "b": 30}, **layout), _labels(x_sr, x_en)


def components(scores, columns: list[tuple[str, str, str]]) -> tuple[dict, dict]:
    """Heatmap: units (rank order) x components, pillars and LEI. columns: (code, sr, en)."""
    s = scores.sort_values(["rank", "unit_code"], na_position="last", kind="stable")
    z = s[[c for c, _, _ in columns]].astype("float64").round(1)
    names = [plot_text(n) for n in s["unit_name"]]
    ticks = list(range(len(columns)))
    heatmap = {"type": "heatmap", "z": z.to_numpy().tolist(), "x": ticks, "y": names, "zmin": 0, "zmax": 100,
               "colorscale": RD_YL_GN, "hovertemplate": "%{y}: %{z:.1f}<extra></extra>",
               "colorbar": {"title": {"text": "0-100"}}}
    spec = _spec([heatmap], height=max(300, 16 * len(s) + 160), margin={"l": 10, "r": 10, "t": 120, "b": 10},
                 xaxis={"side": "top", "automargin": True, "tickvals": ticks,
                        "ticktext": [plot_text(sr) for _, sr, _ in columns]},
                 yaxis={"autorange": "reversed", "tickfont": {"size": 10}, "automargin": True})
    return spec, _labels({"xaxis.ticktext": [plot_text(sr) for _, sr, _ in columns], "xaxis.tickvals": ticks},
                         {"xaxis.ticktext": [plot_text(en) for _, _, en in columns], "xaxis.tickvals": ticks})


def by_type(scores) -> tuple[dict, dict]:
    groups = sorted(scores["unit_type"].astype(str).unique())
    data = []
    for g in groups:
        part = scores[scores["unit_type"].astype(str) == g]
        data.append({"type": "box", "y": part["lei"].astype("float64").round(2).tolist(),
                     "name": plot_text(type_label(g, "sr")), "boxpoints": "all", "jitter": 0.4, "pointpos": 0,
                     "text": [plot_text(n) for n in part["unit_name"]], "hovertemplate": "%{text}: %{y:.1f}<extra></extra>"})
    spec = _spec(data, height=380, showlegend=False, yaxis={"range": [0, 100], "title": {"text": "LEI"}},
                 margin={"l": 40, "r": 10, "t": 20, "b": 40})
    names_sr = [plot_text(type_label(g, "sr")) for g in groups]
    names_en = [plot_text(type_label(g, "en")) for g in groups]
    return spec, _labels({}, {}, names_sr, names_en)


def _wrap(label: str) -> str:
    return plot_text(label).replace(" ", "<br>")


def by_category(scores, categories_sr: list[str], categories_en: list[str]) -> tuple[dict, dict]:
    groups = sorted(scores["unit_type"].astype(str).unique())
    ticks = list(range(len(categories_sr)))
    data = []
    for g in groups:
        part = scores[scores["unit_type"].astype(str) == g]["category"].astype(str)
        data.append({"type": "bar", "x": ticks, "y": [int((part == c).sum()) for c in categories_sr],
                     "name": plot_text(type_label(g, "sr"))})
    spec = _spec(data, barmode="stack", height=360, margin={"l": 40, "r": 10, "t": 20, "b": 40},
                 xaxis={"tickvals": ticks, "ticktext": [_wrap(c) for c in categories_sr], "tickangle": 0})
    return spec, _labels({"xaxis.ticktext": [_wrap(c) for c in categories_sr]},
                         {"xaxis.ticktext": [_wrap(c) for c in categories_en]},
                         [plot_text(type_label(g, "sr")) for g in groups],
                         [plot_text(type_label(g, "en")) for g in groups])


def movers(top) -> tuple[dict, dict]:
    """Horizontal bars of LEI change for the biggest movers (top: unit_name, lei_change)."""
    t = top.sort_values("lei_change", kind="stable")
    vals = t["lei_change"].astype("float64").round(2).tolist()
    bars = {"type": "bar", "x": vals, "y": [plot_text(n) for n in t["unit_name"]], "orientation": "h",
            "marker": {"color": ["#1a9850" if v >= 0 else "#d73027" for v in vals]},
            "hovertemplate": "%{y}: %{x:+.1f}<extra></extra>"}
    return _spec([bars], height=max(250, 22 * len(t) + 80), margin={"l": 10, "r": 10, "t": 20, "b": 40},
                 xaxis={"title": {"text": "Δ LEI"}}, yaxis={"automargin": True}), _labels({}, {})
