"""A table's contract: its columns, their types, descriptions and rules, written once.

Everything else is derived from a TableContract (PUDL's metadata classes are the model):
- the pandera model that validates the table (`contract.model`, a DataFrameModel subclass),
- the Arrow field of each column and its Parquet field description (`arrow_type`, `descriptions`),
- the column docs: Dagster's column schema and the data dictionary (`column_schema`, `describe`),
- the Great Expectations expectations that repeat a column rule (`expectations`).

Columns whose names the questionnaire or the methodology define (answers, component scores,
p_<category>) are either described by pattern (`Column(regex=True)`) or left to
lei_pipeline.schemas.describe, which fills the contract's templates with the methodology's names."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

import pandas as pd
import pandera.pandas as pa
import pyarrow
from pandera.typing.pandas import Series

# Contract type -> (pandera annotation, Arrow type, plain word for the docs).
TYPES: dict[str, tuple[object, pyarrow.DataType | None, str]] = {
    "str": (str, pyarrow.string(), "str"),
    "int": (int, pyarrow.int64(), "int"),
    "Int64": (pd.Int64Dtype, pyarrow.int64(), "int"),      # integer with missing values
    "float": (float, pyarrow.float64(), "float"),
    "bool": (bool, pyarrow.bool_(), "bool"),
    "datetime": (pd.Timestamp, None, "datetime"),           # unit and zone follow the data
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    nullable: bool = False
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    isin: tuple | None = None
    pattern: str | None = None
    unique: bool = False
    required: bool = True
    regex: bool = False    # name is a pattern; the column describes every column it matches

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}; use one of {', '.join(TYPES)}")

    def field(self):
        kwargs = {k: getattr(self, k) for k in ("ge", "gt", "le") if getattr(self, k) is not None}
        if self.isin is not None:
            kwargs["isin"] = list(self.isin)
        if self.pattern is not None:
            kwargs["str_matches"] = self.pattern
        if self.regex:
            kwargs.update(alias=self.name, regex=True)
        if self.nullable:
            kwargs["nullable"] = True
        if self.unique:
            kwargs["unique"] = True
        return pa.Field(description=self.description, **kwargs)

    def annotation(self):
        series = Series[TYPES[self.type][0]]
        return series if self.required else Optional[series]

    def matches(self, column: str) -> bool:
        return re.match(self.name, column) is not None if self.regex else column == self.name


@dataclass(frozen=True)
class Rule:
    """A rule over the whole frame: check(df) returns a bool, a boolean Series (per row) or a
    boolean DataFrame (per cell)."""
    name: str
    description: str
    check: Callable[[pd.DataFrame], object]


@dataclass(frozen=True)
class TableContract:
    name: str
    description: str
    columns: tuple[Column, ...]
    strict: bool = False   # False: other columns (questions, methodology scores) may follow
    unique: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    model_name: str = ""
    # Descriptions of columns other code may add (not validated): by name, then by pattern
    # (regex -> text, "{column}" filled in), first match wins.
    notes: dict[str, str] = field(default_factory=dict)
    patterns: tuple[tuple[str, str], ...] = ()

    @cached_property
    def model(self) -> type[pa.DataFrameModel]:
        """The pandera DataFrameModel of this contract (coercing, lazy-validated by validate_table)."""
        attrs = {"_".join(re.findall(r"\w+", c.name)) or f"column_{i}": c for i, c in enumerate(self.columns)}
        namespace: dict = {"__annotations__": {a: c.annotation() for a, c in attrs.items()},
                           "__module__": __name__, "__doc__": self.description}
        namespace.update({a: c.field() for a, c in attrs.items()})
        config = {"strict": self.strict, "coerce": True, "name": self.name, "description": self.description}
        if self.unique:
            config["unique"] = list(self.unique)
        namespace["Config"] = type("Config", (), config)
        for rule in self.rules:
            namespace[rule.name] = pa.dataframe_check(description=rule.description)(_rule_method(rule))
        return type(self.model_name or self.name.title().replace("_", ""), (pa.DataFrameModel,), namespace)

    def column(self, name: str) -> Column | None:
        exact = next((c for c in self.columns if not c.regex and c.name == name), None)
        return exact or next((c for c in self.columns if c.regex and c.matches(name)), None)

    def describe(self, name: str) -> str:
        """The description of a column of this table ('' when the contract says nothing of it)."""
        col = self.column(name)
        if col is not None:
            return col.description
        if name in self.notes:
            return self.notes[name]
        for pattern, text in self.patterns:
            if re.search(pattern, name):
                return text.format(column=name)
        return ""

    def descriptions(self) -> dict[str, str]:
        """{column: description} of the columns the contract names (patterns excluded)."""
        return {**self.notes, **{c.name: c.description for c in self.columns if not c.regex}}

    def column_schema(self) -> list[tuple[str, str, str]]:
        """(name, type word, description) per declared column: Dagster's TableSchema rows."""
        return [(c.name, TYPES[c.type][2], c.description) for c in self.columns]

    def arrow_type(self, name: str) -> pyarrow.DataType | None:
        col = self.column(name)
        return None if col is None else TYPES[col.type][1]

    def expectations(self, gxe, columns) -> list:
        """The Great Expectations expectations that repeat this contract's column rules (not null,
        unique, bounds, the compound key) for the given columns: GE's suites name which rules they
        re-assert, the contract says what the rules are."""
        out = []
        for name in columns:
            col = self.column(name)
            if col is None:
                raise KeyError(f"{self.name}: no column {name!r} in the contract")
            if not col.nullable:
                out.append(gxe.ExpectColumnValuesToNotBeNull(column=name))
            if col.unique:
                out.append(gxe.ExpectColumnValuesToBeUnique(column=name))
            low = col.ge if col.ge is not None else col.gt
            if low is not None or col.le is not None:
                bounds = {k: v for k, v in (("min_value", low), ("max_value", col.le)) if v is not None}
                if col.gt is not None:
                    bounds["strict_min"] = True
                out.append(gxe.ExpectColumnValuesToBeBetween(column=name, **bounds))
        return out

    def key_expectation(self, gxe, present) -> list:
        key = [c for c in self.unique if c in present]
        return [gxe.ExpectCompoundColumnsToBeUnique(column_list=key)] if key else []


def _rule_method(rule: Rule):
    def method(cls, df: pd.DataFrame):
        return rule.check(df)
    method.__name__ = method.__qualname__ = rule.name
    method.__doc__ = rule.description
    return method
