"""`lei compose`: build a composite index from COINr-style iData/iMeta CSVs and a method YAML.
A thin layer over lei_pipeline.index.build()."""
from __future__ import annotations

from pathlib import Path

import typer

from lei_pipeline.errors import LeiError, UsageError
from lei_pipeline.files import load_yaml

HELP = """Build a composite index from unit data (COINr iData layout), a framework (iMeta layout)
and a method YAML; write one row per retained unit: id, normalised indicators, every aggregate.

Example: lei compose --data asem_idata.csv --meta asem_imeta.csv --method method.yaml --out index.csv"""


def _read_csv(path: Path, what: str, **kw):
    import pandas as pd

    if not path.is_file():
        raise UsageError(f"{what} file not found: {path}")
    try:
        return pd.read_csv(path, **kw)
    except Exception as e:  # parser errors, encoding, empty file: one line for the user
        raise UsageError(f"cannot read {what} file {path}: {type(e).__name__}: {e}".splitlines()[0]) from None


def _read_method(path: Path) -> dict:
    import yaml

    if not path.is_file():
        raise UsageError(f"method file not found: {path}")
    try:
        d = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise UsageError(f"cannot read method file {path}: {str(e).splitlines()[0]}") from None
    if not isinstance(d, dict):
        raise UsageError(f"method file {path} must hold a mapping of steps (denominate, impute, ...)")
    return d


def compose(data_path: Path, meta_path: Path, method_path: Path, out_path: Path, id_col: str | None = None):
    """Run the engine on files; returns the IndexBuild and the written output frame."""
    from lei_pipeline.index import Framework, Method, build

    meta = _read_csv(meta_path, "meta")
    framework = Framework.from_coinr_meta(meta)
    method = Method.from_dict(_read_method(method_path))
    header = _read_csv(data_path, "data", nrows=0).columns
    if id_col is None:
        id_col = "uCode" if "uCode" in header else header[0]
    elif id_col not in header:
        raise UsageError(f"id column {id_col!r} is not in {data_path}")
    # Ids and group labels are labels, not numbers: "01" must stay "01".
    text_cols = {id_col: "str", **{g: "str" for g in framework.groups if g in header}}
    data = _read_csv(data_path, "data", dtype=text_cols, keep_default_na=True)
    b = build(data, framework, method, id_col=id_col,
              group_cols=list(framework.groups) or None,
              denominator_cols=list(framework.denominators) or None)
    out = b.aggregated.reset_index()
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out.to_csv(out_path, index=False)
    except OSError as e:
        raise LeiError(f"cannot write {out_path}: {e.strerror or e}") from None
    return b, out


def register(app: typer.Typer) -> None:
    @app.command("compose", help=HELP)
    def compose_cmd(
        data: Path = typer.Option(..., "--data", help="Unit data CSV (COINr iData layout: id, groups, denominators, indicators)."),
        meta: Path = typer.Option(..., "--meta", help="Framework CSV (COINr iMeta layout: Level, iCode, Parent, Direction, Weight, Denominator, Type)."),
        method: Path = typer.Option(..., "--method", help="Method YAML: denominate, impute, screen, treat, normalise, aggregate, tiers."),
        out: Path = typer.Option(..., "--out", help="Output CSV: one row per retained unit."),
        id_col: str = typer.Option(None, "--id-col", help="Unit id column (default: uCode if present, else the first column)."),
    ) -> None:
        b, frame = compose(data, meta, method, out, id_col)
        dropped = len(b.raw) - len(b.screened)
        typer.echo(f"wrote {out}: {len(frame)} units, {len(b.framework.indicators)} indicators, "
                   f"{len(b.framework.aggregates)} aggregates"
                   + (f" ({dropped} units dropped by screening)" if dropped else "")
                   + f"; steps: {', '.join(b.steps) or 'none'}")
