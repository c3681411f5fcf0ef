"""What changed between two versions of a wave (modelled on OWID's `etl diff`): methodology and
input provenance, then per table the rows added and removed (by key wave + unit_code, plus
indicator where the table has one), the values changed per column (count, largest change) and
the ranks that moved. Both snapshots' files are verified against their manifests first."""
from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq

from lei_pipeline.publish import scan
from lei_pipeline.publish.integrity import read_verified
from lei_pipeline.publish.load import _resolve
from lei_pipeline.settings import Settings

KEY_CANDIDATES = ("wave", "unit_code", "indicator")
SHOWN = 10  # keys listed per kind of change; counts are always complete

PROVENANCE_FIELDS = {
    "methodology version": ("methodology", "version"),
    "methodology sha256": ("methodology", "sha256"),
    "questionnaire version": ("questionnaire_version",),
    "code version": ("code_version",),
    "export file": ("export", "file"),
    "export sha256": ("export", "sha256"),
    "export format": ("export", "format"),
    "export rows read": ("export", "rows_read"),
}


def _get(manifest: dict, path: tuple[str, ...]):
    value = manifest
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _provenance(a: dict, b: dict) -> dict:
    return {name: {"from": _get(a, p), "to": _get(b, p)} for name, p in PROVENANCE_FIELDS.items()
            if _get(a, p) != _get(b, p)}


def _keys(frame: pd.DataFrame, key: list[str]) -> list[dict]:
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in zip(key, row)}
            for row in frame[key].head(SHOWN).itertuples(index=False, name=None)]


def _plain(v):
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return v.item() if hasattr(v, "item") else v


def _column_changes(both: pd.DataFrame, key: list[str], column: str) -> dict | None:
    a, b = both[f"{column}__from"], both[f"{column}__to"]
    equal = (a == b).fillna(False).astype(bool) | (a.isna() & b.isna())
    changed = both[~equal]
    if changed.empty:
        return None
    out: dict = {"changed": int(len(changed))}
    if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b) \
            and not pd.api.types.is_bool_dtype(a):
        delta = (changed[f"{column}__to"].astype("float64") - changed[f"{column}__from"].astype("float64"))
        if delta.notna().any():
            at = delta.abs().idxmax()
            out["largest_change"] = {**{k: _plain(changed.at[at, k]) for k in key},
                                     "from": _plain(changed.at[at, f"{column}__from"]),
                                     "to": _plain(changed.at[at, f"{column}__to"]),
                                     "change": _plain(delta.at[at])}
    return out


def _ranks_moved(both: pd.DataFrame, key: list[str], columns: list[str]) -> dict:
    moved = {}
    for col in columns:
        if not col.startswith("rank") or col.endswith(("_change", "_previous")):
            continue
        a, b = both[f"{col}__from"], both[f"{col}__to"]
        if not (pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b)):
            continue
        delta = (b.astype("float64") - a.astype("float64"))
        mask = delta.notna() & (delta != 0)
        if not mask.any():
            continue
        rows = both[mask].assign(_d=delta[mask].abs()).sort_values(["_d", *key], ascending=[False, *[True] * len(key)])
        names = ["unit_name"] if "unit_name__to" in both.columns else []
        moved[col] = {"moved": int(mask.sum()), "largest": [
            {**{k: _plain(r[k]) for k in key}, **{n: _plain(r[f"{n}__to"]) for n in names},
             "from": _plain(r[f"{col}__from"]), "to": _plain(r[f"{col}__to"])}
            for _, r in rows.head(SHOWN).iterrows()]}
    return moved


def _table_diff(old: scan.Snapshot, new: scan.Snapshot, table: str) -> dict:
    in_old, in_new = table in old.manifest["tables"], table in new.manifest["tables"]
    if not (in_old and in_new):
        return {"status": "added" if in_new else "removed"}
    ea, eb = old.manifest["tables"][table], new.manifest["tables"][table]
    if ea.get("sha256") == eb.get("sha256"):
        return {"status": "identical", "rows": eb.get("rows")}
    a = read_verified(old, table).to_pandas()
    b = read_verified(new, table).to_pandas()
    out: dict = {"status": "changed", "rows_from": len(a), "rows_to": len(b),
                 "columns_added": [c for c in b.columns if c not in a.columns],
                 "columns_removed": [c for c in a.columns if c not in b.columns]}
    key = [c for c in KEY_CANDIDATES if c in a.columns and c in b.columns]
    if "unit_code" not in key or a.duplicated(key).any() or b.duplicated(key).any():
        out["note"] = f"no unique key among {', '.join(KEY_CANDIDATES)}: only row counts compared"
        return out
    out["key"] = key
    merged = a.merge(b, on=key, how="outer", suffixes=("__from", "__to"), indicator=True)
    for side, label in (("right_only", "rows_added"), ("left_only", "rows_removed")):
        part = merged[merged["_merge"] == side].sort_values(key)
        out[label] = {"count": int(len(part)), "first": _keys(part, key)}
    both = merged[merged["_merge"] == "both"].reset_index(drop=True)
    shared = [c for c in a.columns if c in b.columns and c not in key]
    out["values_changed"] = {c: ch for c in shared if (ch := _column_changes(both, key, c)) is not None}
    out["ranks_moved"] = _ranks_moved(both, key, shared)
    return out


def diff_snapshots(settings: Settings, wave: object, v1: int | str, v2: int | str) -> dict:
    old, new = _resolve(settings, wave, v1), _resolve(settings, wave, v2)
    tables = sorted(set(old.manifest["tables"]) | set(new.manifest["tables"]))
    return {
        "wave": new.wave, "from_version": old.version, "to_version": new.version,
        "created": {"from": old.manifest.get("created_at"), "to": new.manifest.get("created_at")},
        "provenance": _provenance(old.manifest, new.manifest),
        "tables": {t: _table_diff(old, new, t) for t in tables},
    }


def _key_text(row: dict, key: list[str]) -> str:
    return "/".join(str(row.get(k)) for k in key if k != "wave")


def render(d: dict) -> list[str]:
    lines = [f"wave {d['wave']}: version {d['from_version']} -> {d['to_version']}"]
    if d["provenance"]:
        lines.append("provenance:")
        for name, ch in d["provenance"].items():
            lines.append(f"  {name:<22} {ch['from']} -> {ch['to']}")
    else:
        lines.append("provenance: same methodology, questionnaire, code and export")
    for table, t in d["tables"].items():
        if t["status"] in ("added", "removed", "identical"):
            lines.append(f"{table}: {t['status']}" + (f" ({t['rows']} rows)" if t["status"] == "identical" else ""))
            continue
        lines.append(f"{table}: {t['rows_from']} -> {t['rows_to']} rows")
        if t.get("note"):
            lines.append(f"  {t['note']}")
            continue
        key = t["key"]
        for col_label in ("columns_added", "columns_removed"):
            if t[col_label]:
                lines.append(f"  {col_label.replace('_', ' ')}: {', '.join(t[col_label])}")
        for label in ("rows_added", "rows_removed"):
            part = t[label]
            if part["count"]:
                shown = ", ".join(_key_text(r, key) for r in part["first"])
                more = f", ... ({part['count']} in all)" if part["count"] > len(part["first"]) else ""
                lines.append(f"  {label.replace('_', ' ')}: {part['count']} ({shown}{more})")
        for col, ch in t["values_changed"].items():
            text = f"  {col}: {ch['changed']} values changed"
            big = ch.get("largest_change")
            if big:
                text += f", largest {big['change']:+g} at {_key_text(big, key)} ({big['from']} -> {big['to']})"
            lines.append(text)
        for col, mv in t["ranks_moved"].items():
            tops = ", ".join(f"{_key_text(r, key)}" + (f" {r['unit_name']}" if r.get("unit_name") else "")
                             + f" {r['from']}->{r['to']}" for r in mv["largest"][:5])
            lines.append(f"  {col}: {mv['moved']} units moved ({tops})")
        if not (t["values_changed"] or t["rows_added"]["count"] or t["rows_removed"]["count"]
                or t["columns_added"] or t["columns_removed"]):
            lines.append("  same rows and values (the file bytes differ)")
    return lines
