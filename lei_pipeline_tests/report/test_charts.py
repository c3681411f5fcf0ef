"""The report's chart specs are written as plain dicts; plotly's own figure objects (which validate
every property and know the subplot geometry) must give the same JSON for the same inputs."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from lei_pipeline.report import charts
from lei_pipeline_tests.support.sample_tables import build_tables

CATEGORIES = ["Vodeći", "Napredni", "Srednji", "Početni", "Nerazvijen"]


def _plotly(fig: go.Figure) -> dict:
    d = fig.to_plotly_json()
    d["layout"].pop("template", None)
    return {"data": d["data"], "layout": d["layout"]}


def _same(ours: dict, theirs: dict) -> None:
    assert json.dumps(ours, sort_keys=True) == json.dumps(theirs, sort_keys=True)


@pytest.fixture
def scores():
    s = build_tables("2024")["scores"]
    s.loc[1, "lei"] = np.nan              # a unit without an index value
    s.loc[1, "rank"] = np.nan
    s.loc[2, "unit_name"] = "<b>Šabac & Co</b>"   # escaped on the way into the spec
    return s


@pytest.mark.parametrize("with_uncertainty", [True, False])
def test_ranking_spec_is_plotlys(scores, with_uncertainty):
    unc = None
    if with_uncertainty:
        ranks = scores["rank"].astype("float64")
        unc = pd.DataFrame({"unit_code": scores["unit_code"], "nominal_rank": ranks,
                            "rank_low": ranks - 1.5, "rank_high": ranks + 2.25})
    ours, labels = charts.ranking(scores, CATEGORIES, unc)

    s = scores.sort_values(["rank", "unit_code"], na_position="last", kind="stable")
    cols = 2 if with_uncertainty else 1
    fig = make_subplots(rows=1, cols=cols, shared_yaxes=True, column_widths=[0.6, 0.4] if cols == 2 else None,
                        horizontal_spacing=0.04, figure=go.Figure(layout={"template": "none"}))
    bars = ours["data"][0]
    fig.add_trace(go.Bar(x=bars["x"], y=bars["y"], orientation="h", marker={"color": bars["marker"]["color"]},
                         name="LEI", hovertemplate="%{y}: %{x:.1f}<extra></extra>"), row=1, col=1)
    if with_uncertainty:
        dots = ours["data"][1]
        fig.add_trace(go.Scatter(x=dots["x"], y=bars["y"], mode="markers", name="rank",
                                 marker={"color": "#2c7bb6", "size": 6}, error_x=dots["error_x"],
                                 hovertemplate="%{y}: %{x}<extra></extra>"), row=1, col=2)
        fig.update_xaxes(autorange="reversed", row=1, col=2)
        fig.update_layout(xaxis2_title_text=labels["sr"]["layout"]["xaxis2.title.text"])
    fig.update_yaxes(autorange="reversed", tickfont={"size": 10}, automargin=True)
    fig.update_layout(height=max(300, 16 * len(s) + 120), showlegend=False, bargap=0.15,
                      margin={"l": 10, "r": 10, "t": 40, "b": 30},
                      xaxis_title_text=labels["sr"]["layout"]["xaxis.title.text"])
    _same(ours, _plotly(fig))
    # the values themselves, from the table (not from the spec under test)
    assert bars["x"][:1] == [round(float(s["lei"].iloc[0]), 2)]
    assert "&lt;b&gt;Šabac &amp; Co&lt;/b&gt;" in " ".join(bars["y"])
    if with_uncertainty:
        assert ours["data"][1]["error_x"]["array"][0] == 2.25 and ours["data"][1]["error_x"]["arrayminus"][0] == 1.5


def test_component_heatmap_spec_is_plotlys(scores):
    columns = [("infrastructure", "Infrastruktura", "Infrastructure"), ("lei", "LEI", "LEI")]
    ours, _ = charts.components(scores, columns)
    s = scores.sort_values(["rank", "unit_code"], na_position="last", kind="stable")
    fig = go.Figure([go.Heatmap(z=ours["data"][0]["z"], x=[0, 1], y=ours["data"][0]["y"], zmin=0, zmax=100,
                                colorscale="RdYlGn", hovertemplate="%{y}: %{z:.1f}<extra></extra>",
                                colorbar={"title": {"text": "0-100"}})], layout={"template": "none"})
    fig.update_yaxes(autorange="reversed", tickfont={"size": 10}, automargin=True)
    fig.update_xaxes(side="top", automargin=True, tickvals=[0, 1], ticktext=["Infrastruktura", "LEI"])
    fig.update_layout(height=max(300, 16 * len(s) + 160), margin={"l": 10, "r": 10, "t": 120, "b": 10})
    _same(ours, _plotly(fig))


def test_distribution_and_mover_specs_are_plotlys(scores):
    ours, _ = charts.by_type(scores)
    fig = go.Figure(layout={"template": "none"})
    for box in ours["data"]:
        fig.add_trace(go.Box(y=box["y"], name=box["name"], boxpoints="all", jitter=0.4, pointpos=0, text=box["text"],
                             hovertemplate="%{text}: %{y:.1f}<extra></extra>"))
    fig.update_layout(height=380, showlegend=False, yaxis={"range": [0, 100], "title": {"text": "LEI"}},
                      margin={"l": 40, "r": 10, "t": 20, "b": 40})
    _same(ours, _plotly(fig))

    ours, _ = charts.by_category(scores, CATEGORIES, CATEGORIES)
    fig = go.Figure(layout={"template": "none"})
    for bar in ours["data"]:
        fig.add_trace(go.Bar(x=list(range(5)), y=bar["y"], name=bar["name"]))
    fig.update_layout(barmode="stack", height=360, margin={"l": 40, "r": 10, "t": 20, "b": 40},
                      xaxis={"tickvals": list(range(5)), "ticktext": CATEGORIES, "tickangle": 0})
    _same(ours, _plotly(fig))
    assert sum(sum(b["y"]) for b in ours["data"]) == scores["category"].isin(CATEGORIES).sum()

    top = pd.DataFrame({"unit_name": ["A", "B", "C"], "lei_change": [3.456, -2.0, 0.0]})
    ours, _ = charts.movers(top)
    fig = go.Figure([go.Bar(x=[-2.0, 0.0, 3.46], y=["B", "C", "A"], orientation="h",
                            marker={"color": ["#d73027", "#1a9850", "#1a9850"]},
                            hovertemplate="%{y}: %{x:+.1f}<extra></extra>")], layout={"template": "none"})
    fig.update_yaxes(automargin=True)
    fig.update_layout(height=max(250, 22 * 3 + 80), margin={"l": 10, "r": 10, "t": 20, "b": 40},
                      xaxis={"title": {"text": "Δ LEI"}})
    _same(ours, _plotly(fig))
