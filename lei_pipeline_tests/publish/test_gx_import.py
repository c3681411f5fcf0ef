"""GE imported with scipy.stats and altair deferred (publish/gx_import.py): they are not run by the
import, the suites never run them, and a deferred module is the real one at first use."""
from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap

from lei_pipeline_tests.support.sample_tables import WEIGHTS, build_tables

# Run in a fresh interpreter: this test process may have imported GE, scipy or altair already.
_PROBE = textwrap.dedent("""
    import json, pathlib, sys
    from lei_pipeline.publish.gx_import import UNUSED_BY_THE_SUITES, import_gx

    def ran(name):   # a module LazyLoader still holds has not run its code: its class is _LazyModule
        m = sys.modules.get(name)
        return None if m is None else type(m).__name__ != "_LazyModule"

    import_gx()
    after_import = {n: ran(n) for n in UNUSED_BY_THE_SUITES}
    {after_suites}
    after_suites = {n: ran(n) for n in UNUSED_BY_THE_SUITES}
    {use}
    print(json.dumps({"after_import": after_import, "after_suites": after_suites, "used": used}))
""")


def _probe(suites: str = "pass", use: str = "used = None") -> dict:
    code = _PROBE.replace("{after_suites}", suites).replace("{use}", use)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_import_runs_neither_and_the_suites_never_need_them(tmp_path):
    # the tables are made here: the test's own support ranks with scipy.stats, independently
    tables = tmp_path / "tables.pickle"
    tables.write_bytes(pickle.dumps(build_tables("2024")))
    suites = textwrap.dedent(f"""
        import pickle
        from lei_pipeline.publish.quality import run_quality_suites
        tables = pickle.loads(open({str(tables)!r}, "rb").read())
        weights = {WEIGHTS!r}
        good = run_quality_suites(tables, weights=weights)
        assert good and all(r.passed for r in good), [r.describe() for r in good]
        tables["scores"].loc[3, "unit_code"] = "99999"   # a failing suite: the full run and Data Docs
        bad = run_quality_suites(tables, docs_dir={str(tmp_path / "docs")!r}, weights=weights)
        assert not all(r.passed for r in bad)
        assert (pathlib.Path({str(tmp_path / "docs")!r}) / "index.html").is_file()
    """)
    got = _probe(suites=suites)
    assert got["after_import"] == {"scipy.stats": False, "altair": False}
    assert got["after_suites"] == {"scipy.stats": False, "altair": False}


def test_a_deferred_module_is_the_real_one_at_first_use():
    # KL divergence of [0.5, 0.5] from [0.25, 0.75], worked by hand: 0.5 ln 2 + 0.5 ln(2/3)
    use = textwrap.dedent("""
        import math
        from scipy import stats
        kl = float(stats.entropy([0.5, 0.5], [0.25, 0.75]))
        import altair
        used = {"kl": kl, "expected": 0.5 * math.log(2) + 0.5 * math.log(2 / 3),
                "stats_ran": ran("scipy.stats"), "altair_chart": hasattr(altair, "Chart")}
    """)
    got = _probe(use=use)["used"]
    assert abs(got["kl"] - got["expected"]) < 1e-12
    assert got["stats_ran"] is True and got["altair_chart"] is True
