"""A seeded analysis publishes the same table on every machine: the sample wave 2024's analysis
(its full spec, 1,000 replications and the Sobol runs) computed in child processes whose BLAS
uses another kernel (OPENBLAS_CORETYPE: the one an SSE-only CPU gets, the AVX2 one, and the
machine's own) and whose numpy runs without its AVX-512 loops, or without any of its
CPU-dispatched loops (NPY_DISABLE_CPU_FEATURES, with the names this numpy dispatches to; the
child says which are still on), gives byte-identical tables.

What it caught: with the replications' weighted sums as BLAS products, the score intervals of
2022, 2024 and 2025 differed in their last bits between BLAS kernels; and numpy's AVX-512 np.log
and np.exp (the geometric-mean replications) differ from its other loops in the last bit, which
reached score_q05 (hence the interval's ends published to 1e-6). The fixtures recorded on the
AVX2 machines of 11-28 to 11-30 were reproduced exactly with the code of then, an AVX2 numpy and
the Haswell BLAS kernel."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The wave's path to its analysis, in the core's own functions (as the benchmark's plain path).
ANALYSE = """
import hashlib, sys
from lei_pipeline.methodology import compose_index, score_matrix
from lei_pipeline.settings import Settings
from lei_pipeline.survey.clean import clean_responses
from lei_pipeline.survey.readers import read_export
from lei_pipeline.uncertainty import analyse_wave, load_spec
from lei_pipeline.waves.declared import find_export, reference_dates
from lei_pipeline.waves.inputs import load_inputs

settings, wave = Settings.from_env(data_dir=sys.argv[1]), "2024"
inputs = load_inputs(settings)
q, m = inputs.questionnaire, inputs.methodology
raw = read_export(find_export(settings, wave), q, wave=wave)
clean = clean_responses(raw.frame, q, inputs.registry, wave, matcher=inputs.matcher).frame
facts = dict(registry=inputs.registry, reference_dates=reference_dates(settings))
ind = score_matrix(clean, q, m, **facts)
scores = compose_index(ind, inputs.registry, m)
result = analyse_wave(wave, clean, ind, scores, q, m, load_spec(m.path)[0], score_kwargs=facts)
for name, table in result.tables().items():
    print(name, hashlib.sha256(table.to_csv(float_format=repr).encode()).hexdigest())
from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
print("dispatched_on", ",".join(d for d in __cpu_dispatch__ if __cpu_features__.get(d)) or "-")
"""


def _dispatched() -> list[str]:
    """The CPU targets this numpy dispatches to that this machine has (X86_V3, X86_V4, ... )."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return [d for d in __cpu_dispatch__ if __cpu_features__.get(d)]


def _tables(**env: str) -> dict[str, str]:
    run = subprocess.run([sys.executable, "-c", ANALYSE, str(REPO / "data")], capture_output=True, text=True,
                         env={**{k: v for k, v in os.environ.items() if not k.startswith(("LEI_", "OPENBLAS", "NPY_"))},
                              **env}, cwd=REPO)
    assert run.returncode == 0, run.stderr[-2000:]
    out = dict(line.split() for line in run.stdout.splitlines())
    off = [d for d in env.get("NPY_DISABLE_CPU_FEATURES", "").split(",") if d]
    on = set(out.pop("dispatched_on").split(","))
    assert not on & set(off), f"numpy kept {sorted(on & set(off))} on"   # the switch did switch
    return out


def test_the_analysis_is_byte_identical_whatever_the_cpu_kernels():
    own = _tables()
    assert sorted(own) == ["replications", "sensitivity", "uncertainty"]
    widest = [d for d in _dispatched() if "512" in d or d.endswith("V4")]   # an AVX2 machine's numpy
    assert _tables(OPENBLAS_CORETYPE="Nehalem") == own
    assert _tables(OPENBLAS_CORETYPE="Haswell", NPY_DISABLE_CPU_FEATURES=",".join(widest)) == own
    assert _tables(OPENBLAS_CORETYPE="Nehalem", NPY_DISABLE_CPU_FEATURES=",".join(_dispatched())) == own


def test_the_hash_covers_every_digit():
    """The tables are compared through a text form that keeps every bit of a float (repr)."""
    import pandas as pd

    a = pd.DataFrame({"x": [0.1 + 0.2]})
    b = pd.DataFrame({"x": [0.3]})
    assert a["x"].iloc[0] != b["x"].iloc[0]
    assert hashlib.sha256(a.to_csv(float_format=repr).encode()).digest() != \
        hashlib.sha256(b.to_csv(float_format=repr).encode()).digest()
