"""A complete, self-contained data directory holding one synthetic wave of any size (`lei sample
--units N --out DIR`): the versioned inputs copied from the repository, a registry that also
covers the synthetic units, waves.yaml declaring the wave, the export and its synthetic-data
note. `LEI_DATA_DIR=DIR lei run` publishes it; this is the scale benchmark's wave."""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from lei_pipeline.errors import UsageError
from lei_pipeline.sample.waves import NOTE_NAME, SYNTHETIC_NOTICE
from lei_pipeline.settings import REPO_ROOT

_INPUTS = ("questionnaire", "methodology", "reference")
EXPORT_NAME = "lei-{wave}-bench.csv"   # the name the scale benchmark has always published under


def _repo_registry():
    from lei_pipeline.registry import load_registry

    # Always Serbia's registry shipped with the code, never one a LEI_DATA_DIR or
    # LEI_REGISTRY_FILE points at (a synthetic one would change which units are drawn).
    return load_registry(REPO_ROOT / "data" / "reference" / "registry.csv")


def _write_registry(reference: Path, registry, base_rows: int, seed: int) -> None:
    """reference/registry.csv: Serbia's file byte for byte, then one row per synthetic unit, and
    reference/registry.yaml declaring it synthetic with its own counts per unit type."""
    extra = registry.iloc[base_rows:]
    if extra.empty:
        return
    path = reference / "registry.csv"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for r in extra.itertuples(index=False):
        w.writerow([r.unit_code, r.name_latin, r.name_cyrillic, r.unit_type, "", "", r.region,
                    int(r.population_2022), r.population_source])
    with path.open("a", encoding="utf-8", newline="") as fh:
        fh.write(buf.getvalue())
    counts = registry["unit_type"].value_counts()
    lines = [f"# {SYNTHETIC_NOTICE}: Serbia's registry followed by {len(extra)} synthetic units",
             f"# (codes S + six digits) written by `lei sample --seed {seed}`. Read by load_registry.",
             "synthetic: true", f"note: {SYNTHETIC_NOTICE}", "expected_counts:"]
    lines += [f"  {kind}: {int(counts.get(kind, 0))}"
              for kind in ("capital_city", "city", "municipality", "city_municipality")]
    path.with_suffix(".yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_data_dir(out: str | Path, n_units: int, seed: int = 42, wave: str = "2024",
                   shape: str = "limesurvey") -> Path:
    """Write the data directory `out` (must not exist or be empty); returns the export's path.
    The units and answers are those of lei_pipeline.sample.synthetic_registry and
    generate_responses for (n_units, seed): the same arguments give byte-identical files."""
    from lei_pipeline.sample.exports import write_export
    from lei_pipeline.sample.generate import generate_responses
    from lei_pipeline.sample.units import synthetic_registry
    from lei_pipeline.settings import Settings
    from lei_pipeline.survey.questionnaire import load_questionnaire
    from lei_pipeline.waves.declared import check_wave_name, declare_wave

    check_wave_name(wave)
    if n_units < 1:
        raise UsageError("--units must be at least 1")
    data = Path(out)
    if data.exists() and (not data.is_dir() or any(data.iterdir())):
        raise UsageError(f"{data}: exists and is not an empty folder; give a new one")
    q = load_questionnaire(REPO_ROOT / "data" / "questionnaire" / "lei-questionnaire.yaml")
    if not q.asked_in(wave):
        raise UsageError(f"--wave {wave}: the questionnaire asks no question in that wave")
    base = _repo_registry()
    registry = synthetic_registry(n_units, seed, base)
    for sub in _INPUTS:
        shutil.copytree(REPO_ROOT / "data" / sub, data / sub, ignore=shutil.ignore_patterns("__pycache__"))
    _write_registry(data / "reference", registry, len(base), seed)
    raw = data / "raw" / wave
    raw.mkdir(parents=True)
    export = raw / EXPORT_NAME.format(wave=wave)
    tidy = generate_responses(wave, n_units, seed, q, registry)
    write_export(tidy, export, shape, q, wave)
    (raw / NOTE_NAME).write_text(
        f"# Wave {wave}: {SYNTHETIC_NOTICE}\n\n`{export.name}` is {SYNTHETIC_NOTICE}: {n_units} local "
        f"governments written by `lei sample --units {n_units} --seed {seed} --wave {wave}`.\n", encoding="utf-8")
    declare_wave(Settings.from_env(data_dir=data, registry_file=data / "reference" / "registry.csv"),
                 wave, question_set=wave)
    return export
