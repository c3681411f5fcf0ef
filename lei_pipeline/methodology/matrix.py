"""One wave's indicators as the scorer makes them: wide (units x indicators) values and statuses,
and per indicator the traces. This is what the indicators step hands on: the index, the change
and the uncertainty analysis read the matrix; the long table (one row per unit and indicator,
7.5 million rows at 100,000 units) is built from it only where a table is published or checked
row by row.

Stored between steps as one Arrow table (to_table / from_table): a row per unit, a value, a status
and a trace column per indicator; what the matrix is (codes, components, reading) in its schema
metadata, so a stored matrix is read back without the methodology."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lei_pipeline.errors import LeiError
from lei_pipeline.methodology.model import READINGS, Methodology
from lei_pipeline.vocabulary import INDICATOR_STATUSES

OUTPUT_COLUMNS = ["wave", "unit_code", "indicator", "component", "value", "status", "trace"]
STATUSES = INDICATOR_STATUSES   # how an answer was read: the vocabulary's one list
# Missing by design: never held against a unit's ranking coverage.
EXCUSED = frozenset({"not_shown", "not_asked", "not_in_force", "no_population", "not_applicable"})
status_code = {s: i for i, s in enumerate(STATUSES)}
MATRIX_KEY = b"lei_indicator_matrix"
EARLIER_PREFIX = {"values": "value", "statuses": "status"}   # to_table's columns before layout 2


def resolve_reading(m: Methodology, override: dict | None) -> dict[str, dict]:
    """Indicator code -> its reading {dont_know, blank, na}: the declared one, with `override`
    applied. override: {"blank": "missing"} for every indicator, and/or {"SRV08": {"na": "refused"}}
    for one; values as in model.READINGS."""
    out = {i.code: dict(i.reading) for i in m.indicators}
    if not override:
        return out
    codes = set(out)
    for key, val in override.items():
        targets, pairs = (list(codes), {key: val}) if key in READINGS else ([key], val)
        if key not in READINGS and (key not in codes or not isinstance(val, dict)):
            raise LeiError(f"reading override: {key!r} is neither one of {', '.join(READINGS)} nor an indicator "
                           f"code with a {{reading: value}} mapping")
        for k, v in pairs.items():
            if k not in READINGS or v not in READINGS[k]:
                raise LeiError(f"reading override: {k}: {v!r} is not one of "
                               f"{', '.join(f'{a}: {b}' for a, bs in READINGS.items() for b in bs)}")
            for t in targets:
                out[t][k] = v
    return out


def _reading_values(m: Methodology, codes: list[str], reading: dict[str, dict]) -> np.ndarray:
    """Per indicator (columns), the value a dont_know / blank / not_applicable answer reads as
    (rows, in that order) under a resolved reading: what the scorer puts there (v2)."""
    out = np.empty((3, len(codes)))
    for j, code in enumerate(codes):
        r = reading[code]
        out[0, j] = np.nan if r["dont_know"] == "missing" else m.dont_know_score
        out[1, j] = 0.0 if r["blank"] == "none" else np.nan
        out[2, j] = np.nan if r["na"] == "accepted" else 0.0
    return out


def _str_column(a: pa.Array) -> pd.Series:
    return pd.Series(pd.array(a, dtype="str"))


def _category_column(values: pa.Array, pos: np.ndarray) -> pd.Series:
    """values.take(pos) as a categorical: each distinct value once, rows as integer codes (a null
    stays null, a repeated value shares its code)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    enc = values.dictionary_encode()
    codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    return pd.Series(pd.Categorical.from_codes(codes[pos], categories=pd.Index(enc.dictionary.to_pylist())))


class IndicatorMatrix:
    """One scoring pass, wide: values and statuses (units x indicators, the methodology's order)
    that feed the index directly, and per indicator the traces; the long table (long()) only for
    publishing and the row-level suites."""

    def __init__(self, codes: list[str], components: list[str], waves: pa.Array, unit_codes: pa.Array,
                 values: np.ndarray, statuses: np.ndarray, traces: list[pa.Array], reading: dict[str, dict]):
        self.codes, self.components = list(codes), list(components)
        self.waves, self.unit_codes = waves, unit_codes
        self.values, self.statuses, self.traces, self.reading = values, statuses, traces, reading

    @classmethod
    def scored(cls, m: Methodology, **parts) -> IndicatorMatrix:
        return cls([i.code for i in m.indicators], [i.component for i in m.indicators], **parts)

    @classmethod
    def from_long(cls, ind: pd.DataFrame, m: Methodology) -> IndicatorMatrix | None:
        """The matrix of one wave's long table as score_indicators writes it (unit-major, every
        indicator of the methodology in its order, each unit once, statuses known): a reshape,
        no pivot. None for any other layout (hand-made tables): the caller pivots instead."""
        k = len(m.indicators)
        if "status" not in ind.columns or k == 0 or len(ind) == 0 or len(ind) % k:
            return None
        n = len(ind) // k
        codes = pa.array([i.code for i in m.indicators], pa.string())
        if not pc.all(pc.equal(pa.array(ind["indicator"], pa.string()),
                               codes.take(np.tile(np.arange(k), n)))).as_py():
            return None
        units = pa.array(ind["unit_code"], pa.string())
        first = units.take(np.arange(0, n * k, k))
        if (first.null_count or len(pc.unique(first)) != n
                or not pc.all(pc.equal(units, first.take(np.repeat(np.arange(n), k)))).as_py()):
            return None
        status = pc.index_in(pa.array(ind["status"], pa.string()), value_set=pa.array(list(STATUSES), pa.string()))
        if status.null_count:
            return None
        waves = pa.array(ind["wave"].astype(str), pa.string()).take(np.arange(0, n * k, k))
        values = ind["value"].to_numpy(dtype=float, na_value=np.nan).reshape(n, k)
        statuses = status.to_numpy(zero_copy_only=False).astype(np.int8).reshape(n, k)
        return cls.scored(m, waves=waves, unit_codes=first, values=values, statuses=statuses, traces=[], reading={})

    def __len__(self) -> int:
        """Rows of the long table this matrix stands for (units x indicators)."""
        return self.values.size

    @property
    def units(self) -> int:
        return self.values.shape[0]

    def same_as(self, other) -> bool:
        """Every part equal (values bit for bit, NaN where NaN), however the Arrow parts are chunked."""
        def arrow(a, b) -> bool:
            return pa.chunked_array([a]).equals(pa.chunked_array([b]))

        return (isinstance(other, IndicatorMatrix) and self.codes == other.codes
                and self.components == other.components and self.reading == other.reading
                and arrow(self.waves, other.waves) and arrow(self.unit_codes, other.unit_codes)
                and self.values.dtype == other.values.dtype and self.statuses.dtype == other.statuses.dtype
                and np.array_equal(self.values, other.values, equal_nan=True)
                and np.array_equal(self.statuses, other.statuses)
                and len(self.traces) == len(other.traces)
                and all(arrow(a, b) for a, b in zip(self.traces, other.traces)))

    # ---- the matrix, sliced ----

    def rows(self, positions: np.ndarray) -> IndicatorMatrix:
        """The units at these positions (a boolean mask or positions), in that order."""
        pos = np.flatnonzero(positions) if np.asarray(positions).dtype == bool else np.asarray(positions)
        take = pa.array(pos, pa.int64())
        return IndicatorMatrix(self.codes, self.components, self.waves.take(take), self.unit_codes.take(take),
                               self.values[pos], self.statuses[pos], [t.take(take) for t in self.traces],
                               self.reading)

    def only(self, codes) -> IndicatorMatrix:
        """These indicators only (kept in the matrix's order), as filtering the long table does."""
        codes = set(codes)
        keep = [j for j, c in enumerate(self.codes) if c in codes]
        return IndicatorMatrix([self.codes[j] for j in keep], [self.components[j] for j in keep], self.waves,
                               self.unit_codes, self.values[:, keep], self.statuses[:, keep],
                               [self.traces[j] for j in keep] if self.traces else [],
                               {c: r for c, r in self.reading.items() if c in codes})

    def without_traces(self) -> IndicatorMatrix:
        """The same matrix without its traces (the same arrays, not copies): what a check that
        reads no trace needs, a fraction of the size to send to another process."""
        return IndicatorMatrix(self.codes, self.components, self.waves, self.unit_codes, self.values,
                               self.statuses, [], self.reading)

    def wave_names(self) -> list[str]:
        return sorted(pc.unique(self.waves).to_pylist())

    def of_wave(self, wave: str) -> IndicatorMatrix:
        return self.rows(pc.equal(self.waves, str(wave)).to_numpy(zero_copy_only=False))

    def present(self) -> set[str]:
        """Indicators with at least one value (a question not asked scores nothing)."""
        return {c for c, any_value in zip(self.codes, (~np.isnan(self.values)).any(axis=0)) if any_value}

    def excused(self) -> np.ndarray:
        """units x indicators: True where the status is missing by design (EXCUSED)."""
        return np.isin(self.statuses, [status_code[s] for s in EXCUSED])

    def applicable(self) -> pd.DataFrame:
        """units x indicators (unit_code index, sorted): True where a criterion counts toward the
        unit's ranking coverage."""
        frame = pd.DataFrame(~self.excused(), columns=self.codes,
                             index=pd.Index(self.unit_codes.to_pylist(), name="unit_code"))
        return frame.sort_index(kind="stable")

    # ---- tables made from it ----

    def long(self, columns: list[str] | None = None, keys_as_categories: bool = False) -> pd.DataFrame:
        """One row per (wave, unit_code, indicator), unit-major (a unit's indicators together);
        columns: only these (a check that reads four columns need not build 7.5 million traces);
        keys_as_categories: wave, unit_code and indicator as categoricals (the same values, for a
        check that hashes and compares them: integer codes, not 7.5 million strings)."""
        n, k = self.values.shape
        # positions into the per-unit and per-indicator arrays, taken in Arrow so that no Python
        # string is made per row
        unit_pos = np.repeat(np.arange(n), k)
        ind_pos = np.tile(np.arange(k), n)
        key = _category_column if keys_as_categories else (lambda values, pos: _str_column(values.take(pos)))
        make = {
            "wave": lambda: key(self.waves, unit_pos),
            "unit_code": lambda: key(self.unit_codes, unit_pos),
            "indicator": lambda: key(pa.array(self.codes, pa.string()), ind_pos),
            "component": lambda: _str_column(pa.array(self.components, pa.string()).take(ind_pos)),
            "value": lambda: self.values.ravel(),
            "status": lambda: _str_column(pa.array(list(STATUSES), pa.string())
                                          .take(pa.array(self.statuses.ravel().astype(np.int32)))),
            "trace": lambda: _str_column(pa.concat_arrays(self.traces).take(ind_pos * n + unit_pos) if self.traces
                                         else pa.nulls(n * k, pa.string())),
        }
        return pd.DataFrame({c: make[c]() for c in (columns or OUTPUT_COLUMNS)})

    def long_rows(self, start: int, stop: int) -> pd.DataFrame:
        """Rows start to stop - 1 of long() (indexed from 0), made from the units they cover only:
        a publisher writes the long table a row group at a time instead of holding it whole."""
        k = len(self.codes)
        first = start // k if k else 0
        last = max(first, -(-stop // k)) if k else 0
        part = self.rows(np.arange(first, min(last, self.units))).long()
        return part.iloc[start - first * k: stop - first * k].reset_index(drop=True)

    def wide(self, values: np.ndarray | None = None, codes: list[str] | None = None) -> pd.DataFrame:
        """unit_code + one float column per indicator, sorted by unit_code (as a pivot of the long
        table gives it); codes: these columns in this order (an indicator not in the matrix: NaN)."""
        v = self.values if values is None else values
        frame = pd.DataFrame(v, columns=self.codes)
        if codes is not None and codes != self.codes:
            frame = frame.reindex(columns=codes)
        frame.insert(0, "unit_code", _str_column(self.unit_codes))
        return frame.sort_values("unit_code", kind="stable").reset_index(drop=True)

    def reread(self, reading: dict | None, m: Methodology) -> np.ndarray:
        """The values under another reading of don't-know, blank and NA answers, without scoring
        again: statuses do not depend on the reading, and a cell's status alone says which
        reading applies to it (methodology v2; v1 has no declared reading: score again)."""
        if not m.declares_reading:
            raise LeiError(f"methodology {m.version} declares no reading: re-score its answers instead")
        if not self.reading:
            raise LeiError("this indicator matrix does not say how it was read: re-score its answers instead")
        old = _reading_values(m, self.codes, self.reading)
        new = _reading_values(m, self.codes, resolve_reading(m, reading))
        values = self.values.copy()
        for row, st in enumerate(("dont_know", "blank", "not_applicable")):
            changed = np.flatnonzero(~((old[row] == new[row]) | (np.isnan(old[row]) & np.isnan(new[row]))))
            if changed.size:
                sub = values[:, changed]
                hit = self.statuses[:, changed] == status_code[st]
                values[:, changed] = np.where(hit, new[row][changed][None, :], sub)
        return values

    # ---- stored between steps ----

    def to_table(self) -> pa.Table:
        """A row per unit: wave, unit_code, the unit's values and statuses (a fixed-size list each:
        the matrix's own row-major buffers, so from_table maps them back without a copy), then a
        trace: column per indicator."""
        n, k = self.values.shape
        cols, names = [self.waves, self.unit_codes], ["wave", "unit_code"]
        for name, block in (("values", self.values), ("statuses", self.statuses)):
            flat = pa.array(np.ascontiguousarray(block).reshape(n * k))
            cols.append(pa.FixedSizeListArray.from_arrays(flat, k))
            names.append(name)
        for code, trace in zip(self.codes, self.traces):
            cols.append(trace)
            names.append(f"trace:{code}")
        about = {"codes": self.codes, "components": self.components, "reading": self.reading,
                 "traces": bool(self.traces), "layout": 2}
        return pa.Table.from_arrays(cols, names=names).replace_schema_metadata({MATRIX_KEY: json.dumps(about)})

    @staticmethod
    def stored_in(table: pa.Table) -> bool:
        return MATRIX_KEY in (table.schema.metadata or {})

    @classmethod
    def from_table(cls, table: pa.Table) -> IndicatorMatrix:
        """The matrix to_table stored. Values and statuses are views of the table's buffers (read
        only: a memory-mapped file's pages, not a copy made by each step that reads the matrix,
        0.1-0.2 s a step at 100,000 units); a table of the earlier layout (value: and status:
        columns per indicator) is copied into new arrays."""
        about = json.loads(table.schema.metadata[MATRIX_KEY])
        codes = about["codes"]
        n, k = table.num_rows, len(codes)

        def array(name: str) -> pa.Array:
            # a column read from one file is one chunk: taken as it is (combine_chunks copies even
            # then: 0.44 s for the traces of a 100,000-unit wave, in each of three steps)
            column = table.column(name)
            return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()

        def block(name: str, dtype) -> np.ndarray:
            if about.get("layout") == 2:
                return array(name).flatten().to_numpy().reshape(n, k)
            out = np.empty((n, k), dtype=dtype)
            for j, code in enumerate(codes):
                out[:, j] = table.column(f"{EARLIER_PREFIX[name]}:{code}").to_numpy()
            return out

        traces = [array(f"trace:{c}") for c in codes] if about["traces"] else []
        return cls(codes, about["components"], array("wave"), array("unit_code"), block("values", np.float64),
                   block("statuses", np.int8), traces, about["reading"])
