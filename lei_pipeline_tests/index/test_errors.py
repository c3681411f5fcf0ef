"""Every bad input the engine can meet gives a LeiError subclass naming what is at fault."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.index import (
    AggregationError,
    DataError,
    Framework,
    FrameworkError,
    Method,
    MethodError,
    Node,
    ZeroRangeError,
    build,
)


def small_framework(**over) -> Framework:
    nodes = [
        Node("a", "P", 1, denominator=over.get("denominator")),
        Node("b", "P", 1),
        Node("c", "Q", 1),
        Node("P", "I", 2),
        Node("Q", "I", 2),
        Node("I", None, 3),
    ]
    return Framework(nodes=nodes)


def small_data() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["u1", "u2", "u3", "u4"],
        "grp": ["x", "x", "y", "y"],
        "pop": [10.0, 20.0, 30.0, 40.0],
        "a": [1.0, 2.0, np.nan, 4.0],
        "b": [4.0, 3.0, 2.0, 1.0],
        "c": [0.5, 0.7, 0.9, 1.1],
    })


def run(data=None, fw=None, method=None, **kw):
    return build(small_data() if data is None else data, fw or small_framework(),
                 Method.from_dict(method or {"normalise": {"method": "minmax"}, "aggregate": {"method": "arithmetic"}}),
                 id_col="id", **kw)


def test_all_engine_errors_are_lei_errors():
    for cls in (AggregationError, DataError, FrameworkError, MethodError, ZeroRangeError):
        assert issubclass(cls, LeiError)


def test_cycle_is_named():
    nodes = [Node("a", "P", 1), Node("P", "Q", 2), Node("Q", "P", 3)]
    with pytest.raises(FrameworkError, match=r"cycle.*'P'|cycle.*'Q'"):
        Framework(nodes=nodes)


def test_self_parent_is_a_cycle():
    with pytest.raises(FrameworkError, match="cycle"):
        Framework(nodes=[Node("a", "I", 1), Node("I", "I", 2)])


def test_orphan_indicator_without_parent_is_named():
    nodes = [Node("a", "I", 1), Node("lost", None, 1), Node("I", None, 2)]
    with pytest.raises(FrameworkError, match=r"'lost'.*orphan"):
        Framework(nodes=nodes)


def test_aggregate_without_children_is_named():
    nodes = [Node("a", "I", 1), Node("Empty", "I", 2), Node("I", None, 3)]
    with pytest.raises(FrameworkError, match=r"'Empty'.*orphan"):
        Framework(nodes=nodes)


def test_unknown_parent_is_named():
    with pytest.raises(FrameworkError, match=r"'a'.*unknown parent 'Nowhere'"):
        Framework(nodes=[Node("a", "Nowhere", 1), Node("I", None, 2), Node("b", "I", 1)])


def test_parent_must_be_higher_and_direction_valid_and_codes_unique():
    with pytest.raises(FrameworkError, match=r"'P'.*parent must be higher"):
        Framework(nodes=[Node("a", "P", 1), Node("P", "I", 3), Node("I", None, 3)])
    with pytest.raises(FrameworkError, match=r"'a'.*direction"):
        Framework(nodes=[Node("a", "I", 1, direction=2), Node("I", None, 2)])
    with pytest.raises(FrameworkError, match=r"'a'.*twice"):
        Framework(nodes=[Node("a", "I", 1), Node("a", "I", 1), Node("I", None, 2)])


def test_unknown_denominator_is_named():
    fw = small_framework(denominator="area")
    with pytest.raises(DataError, match=r"'a'.*unknown denominator 'area'"):
        run(fw=fw, method={"denominate": True})
    fw = small_framework(denominator="pop")
    with pytest.raises(DataError, match=r"'a'.*unknown denominator 'pop'.*declared"):
        run(fw=fw, method={"denominate": True}, denominator_cols=["gdp"])
    assert run(fw=fw, method={"denominate": True}).denominated.loc["u2", "a"] == pytest.approx(0.1)


def test_unknown_group_is_named():
    with pytest.raises(DataError, match=r"group 'region' is unknown"):
        run(method={"impute": {"method": "group_mean", "group": "region"}})
    with pytest.raises(DataError, match=r"group 'grp' is unknown.*declared"):
        run(method={"impute": {"method": "group_mean", "group": "grp"}}, group_cols=["other"])


def test_non_numeric_indicator_is_named_with_unit_and_value():
    data = small_data()
    data["b"] = ["4", "three", "2", "1"]
    with pytest.raises(DataError, match=r"indicator 'b' is not numeric.*'u2'.*'three'"):
        run(data=data)


def test_missing_indicator_column_is_named():
    with pytest.raises(DataError, match=r"indicator 'c' is not a column"):
        run(data=small_data().drop(columns="c"))


def test_duplicate_unit_id_is_named():
    data = small_data()
    data.loc[3, "id"] = "u1"
    with pytest.raises(DataError, match=r"unit id 'u1' appears more than once"):
        run(data=data)


@pytest.mark.parametrize("how", ["geometric", "harmonic"])
def test_geometric_and_harmonic_refuse_non_positive_values(how):
    # min-max to [0, 100] puts the worst unit at 0: neither mean can take it.
    with pytest.raises(AggregationError, match=rf"aggregate 'P'.*{how}.*child '(a|b)'.*unit"):
        run(method={"normalise": {"method": "minmax"}, "aggregate": {"method": how}})
    # On [1, 100] both work.
    b = run(method={"normalise": {"method": "minmax", "range": [1, 100]}, "aggregate": {"method": how}})
    assert b.aggregated["I"].notna().all()


def test_zero_range_indicator_is_named():
    data = small_data()
    data["c"] = 3.0
    with pytest.raises(ZeroRangeError, match=r"indicator 'c' has zero range"):
        run(data=data)
    with pytest.raises(ZeroRangeError, match=r"indicator 'c' has zero standard deviation"):
        run(data=data, method={"normalise": {"method": "zscore"}})
    with pytest.raises(MethodError, match=r"bounds of indicator 'c' must have low < high"):
        Method.from_dict({"normalise": {"method": "goalposts", "bounds": {"c": [1, 1]}}})


@pytest.mark.parametrize("bad, pattern", [
    ({"impute": {"method": "mode"}}, "impute: unknown method 'mode'"),
    ({"impute": {"method": "group_mean"}}, "needs a group"),
    ({"screen": {"min_availability": 1.5}}, "between 0 and 1"),
    ({"treat": {"method": "winsorise", "winmax": 2.5}}, "winmax must be an integer"),
    ({"normalise": {"method": "minmax", "range": [100, 0]}}, "low < high"),
    ({"aggregate": {"method": "median"}}, "unknown method 'median'"),
    ({"normalize": {}}, "unknown key"),
    ({"tiers": {"node": "I", "labels": [{"label": "lo", "min": 10}, {"label": "hi", "min": 50}]}}, "highest first"),
])
def test_bad_method_is_explained(bad, pattern):
    with pytest.raises(MethodError, match=pattern):
        Method.from_dict(bad)


def test_tiers_on_unknown_node_and_goalposts_without_bounds():
    with pytest.raises(MethodError, match=r"tiers: unknown node 'LEI'"):
        run(method={"normalise": {"method": "minmax"}, "aggregate": {},
                    "tiers": {"node": "LEI", "labels": [{"label": "top", "min": 0}]}})
    with pytest.raises(MethodError, match=r"no bounds for indicator 'b'"):
        run(method={"normalise": {"method": "goalposts", "bounds": {"a": [0, 5]}}})
    with pytest.raises(DataError, match=r"unknown indicator 'zz'"):
        run(method={"normalise": {"method": "goalposts", "bounds": {"zz": [0, 5]}, "default": [0, 5]}})
