"""DuckDB and Polars are the `analysis` extra: the product runs without them, and `lei sql`
says what to install instead of failing with an ImportError."""
import ast
import sys
import tomllib
from pathlib import Path

import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.publish import sql
from lei_pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_duckdb_and_polars_are_an_extra_that_dev_includes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = " ".join(project["dependencies"])
    assert "duckdb" not in runtime and "polars" not in runtime
    extras = project["optional-dependencies"]
    assert {d.split(">")[0].split("=")[0] for d in extras["analysis"]} == {"duckdb", "polars"}
    assert "lei-pipeline[analysis]" in extras["dev"]


def test_no_product_module_imports_them_at_import_time():
    for path in (ROOT / "lei_pipeline").rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in ("duckdb", "polars") for n in names), path


def test_lei_sql_without_duckdb_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "duckdb", None)  # import duckdb now raises ImportError
    with pytest.raises(LeiError, match=r"lei-pipeline\[analysis\]"):
        sql.query(Settings.from_env(data_dir=tmp_path / "data"), "SELECT 1")
