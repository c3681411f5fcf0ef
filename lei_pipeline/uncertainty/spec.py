"""The uncertainty spec of a methodology: data/methodology/<name>-uncertainty.yaml beside
data/methodology/<name>.yaml (lei-v1.yaml -> lei-v1-uncertainty.yaml), so that each methodology
version carries its own assumptions to test."""
from __future__ import annotations

from pathlib import Path

import yaml

from lei_pipeline.errors import LeiError
from lei_pipeline.files import load_yaml, read_input
from lei_pipeline.index import MethodError, Uncertainty

SUFFIX = "-uncertainty"


def spec_path(methodology_path: str | Path) -> Path:
    """The spec file beside a methodology file: <stem>-uncertainty<suffix>."""
    p = Path(methodology_path)
    return p.with_name(f"{p.stem}{SUFFIX}{p.suffix or '.yaml'}")


def load_spec(methodology_path: str | Path) -> tuple[Uncertainty, dict, Path]:
    """(parsed spec, the mapping as written, its path) of a methodology's uncertainty spec."""
    path = spec_path(methodology_path)
    if not path.is_file():
        raise LeiError(f"no uncertainty spec for methodology {Path(methodology_path).name}: expected {path}")
    return read_spec(path)


def read_spec(path: str | Path) -> tuple[Uncertainty, dict, Path]:
    """(parsed spec, the mapping as written, its path) of an uncertainty spec file."""
    path = Path(path)
    data = read_input(path, "uncertainty spec")
    try:
        raw = load_yaml(data)
    except yaml.YAMLError as e:
        raise LeiError(f"uncertainty spec {path}: not valid YAML ({e})") from None
    if not isinstance(raw, dict):
        raise LeiError(f"uncertainty spec {path}: expected a mapping of key -> value")
    raw = {k: v for k, v in raw.items() if k not in ("why", "note")}
    try:
        return Uncertainty.from_dict(raw), raw, path
    except MethodError as e:
        raise LeiError(f"uncertainty spec {path}: {e}") from None
