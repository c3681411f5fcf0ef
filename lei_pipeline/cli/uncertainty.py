"""`lei uncertainty --wave W [--replications N] [--seed S] [--out FILE] [--spec FILE]`: how sure
each rank of a published wave is. Reads the wave's latest snapshot (responses, indicators, scores
and the methodology it was made with); never re-runs the pipeline."""
from __future__ import annotations

from pathlib import Path

import typer

from lei_pipeline.errors import LeiError, UsageError

SHOWN = 20  # border-crossing units printed (widest interval first)


def _methodology_file(snapshot_sha: str, settings) -> Path:
    """The methodology file under data/methodology/ whose bytes the snapshot was made with."""
    from lei_pipeline.files import file_sha256
    from lei_pipeline.uncertainty.spec import SUFFIX

    folder = settings.methodology_path.parent
    for p in sorted(folder.glob("*.yaml")):
        if not p.stem.endswith(SUFFIX) and file_sha256(p) == snapshot_sha:
            return p
    raise UsageError(f"the snapshot's methodology (sha256 {snapshot_sha[:12]}) is not in {folder}; "
                     "give its uncertainty spec with --spec FILE")


def _uncertainty(
    wave: str = typer.Option(..., "--wave", help="Wave name, e.g. 2024 (its latest published version is read)."),
    replications: int = typer.Option(None, "--replications", min=1, help="Replications (default: the spec's)."),
    seed: int = typer.Option(None, "--seed", min=0, help="Random seed (default: the spec's)."),
    out: Path = typer.Option(None, "--out", help="Write the per-unit table to a .csv, .parquet or .xlsx file."),
    spec: Path = typer.Option(None, "--spec", help="Uncertainty spec YAML (default: <methodology>-uncertainty.yaml "
                                                  "beside the snapshot's methodology in data/methodology/)."),
) -> None:
    """Replicate the wave's index under the methodology's uncertainty spec (weights, mean, who is
    ranked, how answers are read) and print which units' 5-95 % score interval crosses a category border.

    Example: lei uncertainty --wave 2024 --replications 2000 --out uncertainty-2024.csv
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from lei_pipeline.cli.output import echo
    from lei_pipeline.methodology.model import parse_methodology
    from lei_pipeline.publish import load, resolve_snapshot, snapshot_manifest
    from lei_pipeline.publish.export import output_format, write_frame
    from lei_pipeline.publish.manifest import METHODOLOGY_COPY
    from lei_pipeline.settings import Settings
    from lei_pipeline.survey.questionnaire import load_questionnaire
    from lei_pipeline.waves.inputs import load_inputs
    from lei_pipeline.uncertainty import analyse_wave, border_crossers
    from lei_pipeline.waves.declared import reference_dates
    from lei_pipeline.uncertainty.spec import read_spec, spec_path

    if out is not None:
        output_format(out)
    settings = Settings.from_env()
    try:
        number, folder = resolve_snapshot(settings, wave)
    except LeiError as e:  # nothing published for that wave: a misuse, not a failed check
        raise UsageError(str(e)) from None
    manifest = snapshot_manifest(wave, number, settings)
    m_file = folder / (manifest.get("methodology") or {}).get("file", METHODOLOGY_COPY)
    m = parse_methodology(m_file.read_bytes(), m_file)
    if spec is None:
        spec = spec_path(_methodology_file(m.sha256, settings))
    elif not spec.is_file():
        raise UsageError(f"uncertainty spec {spec} not found")
    parsed, _, spec_file = read_spec(spec)
    tables = {t: load(t, wave, number, settings) for t in ("responses", "indicators", "scores")}
    questionnaire = load_questionnaire(settings.questionnaire_path)
    n = replications or parsed.replications
    total = n + parsed.sensitivity.n * (2 + _inputs(parsed))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"wave {wave} v{number}: replications", total=total)
        result = analyse_wave(wave, tables["responses"], tables["indicators"], tables["scores"], questionnaire, m,
                              parsed, replications=replications, seed=seed,
                              progress=lambda k: bar.advance(task, k),
                              score_kwargs=dict(registry=load_inputs(settings).registry,
                                                reference_dates=reference_dates(settings)))
    unit = result.uncertainty
    echo(f"wave {wave} version {number}: {result.spec.replications} replications, seed {result.seed}, "
         f"spec {spec_file.name}, {result.seconds:.1f} s")
    band = (unit["rank_q95"] - unit["rank_q05"])
    echo(f"  rank band (5-95 %): median {band.median():g} places, widest {band.max():g} "
         f"({unit.loc[band.idxmax(), 'unit_name']})" if len(unit) else "  no units")
    cross = border_crossers(unit)
    labels = {c.code: c.label_en for c in m.categories}
    echo(f"  {len(cross)} of {len(unit)} units have a 5-95 % score interval crossing a category border:")
    for r in cross.head(SHOWN).itertuples(index=False):
        p = {labels[c.code]: getattr(r, f"p_{c.code}") for c in m.categories}
        spread = ", ".join(f"{k} {v:.0%}" for k, v in p.items() if v > 0)
        echo(f"    {r.unit_name} ({r.unit_code}): LEI {r.nominal_score:.1f} in [{r.score_q05:.1f}, {r.score_q95:.1f}], "
             f"rank {r.nominal_rank:g} in [{r.rank_q05:g}, {r.rank_q95:g}]; {spread}")
    if len(cross) > SHOWN:
        echo(f"    ... and {len(cross) - SHOWN} more (all units: --out FILE, column crosses_category_border)")
    sens = result.sensitivity.sort_values("ST", ascending=False)
    if len(sens):
        echo("  what moves ranks most (total Sobol index of the mean rank shift): "
             + ", ".join(f"{r.input} {r.ST:.2f}" for r in sens.head(4).itertuples()))
    if out is not None:
        fmt = write_frame(unit, out, about={"table": "uncertainty", "wave": wave, "version": str(number),
                                            "seed": str(result.seed)})
        echo(f"  per-unit table -> {out} ({fmt})")


def _inputs(spec) -> int:
    k = 0
    if spec.weights is not None:
        k += len(spec.weights.by_level or ()) + len(spec.weights.by_code) or 1
    return k + len(spec.readings) + len(spec.alternatives) + (1 if spec.eligibility else 0)


def register(app: typer.Typer) -> None:
    app.command("uncertainty")(_uncertainty)

