"""A seeded analysis publishes the same table on every machine: the sample wave 2024's analysis
(its full spec, 1,000 replications and the Sobol runs) computed in child processes whose BLAS
uses another kernel (OPENBLAS_CORETYPE: the one an SSE-only CPU gets, the AVX2 one, and the
machine's own) and whose numpy runs without its AVX-512 and AVX2 loops (NPY_DISABLE_CPU_FEATURES)
gives byte-identical tables. With the replications' weighted sums as BLAS products, the score
intervals of 2022, 2024 and 2025 differed in their last bits between these kernels, and from the
tables recorded on another machine."""
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
"""

NO_WIDE_SIMD = "AVX512F,AVX512CD,AVX512_SKX,AVX512_CLX,AVX512_CNL,AVX512_ICL,AVX512_SPR,AVX2,FMA3"


def _tables(**env: str) -> dict[str, str]:
    run = subprocess.run([sys.executable, "-c", ANALYSE, str(REPO / "data")], capture_output=True, text=True,
                         env={**{k: v for k, v in os.environ.items() if not k.startswith(("LEI_", "OPENBLAS", "NPY_"))},
                              **env}, cwd=REPO)
    assert run.returncode == 0, run.stderr[-2000:]
    return dict(line.split() for line in run.stdout.splitlines())


def test_the_analysis_is_byte_identical_whatever_the_cpu_kernels():
    own = _tables()
    assert sorted(own) == ["replications", "sensitivity", "uncertainty"]
    assert _tables(OPENBLAS_CORETYPE="Nehalem") == own
    assert _tables(OPENBLAS_CORETYPE="Haswell", NPY_DISABLE_CPU_FEATURES=NO_WIDE_SIMD) == own


def test_the_hash_covers_every_digit():
    """The tables are compared through a text form that keeps every bit of a float (repr)."""
    import pandas as pd

    a = pd.DataFrame({"x": [0.1 + 0.2]})
    b = pd.DataFrame({"x": [0.3]})
    assert a["x"].iloc[0] != b["x"].iloc[0]
    assert hashlib.sha256(a.to_csv(float_format=repr).encode()).digest() != \
        hashlib.sha256(b.to_csv(float_format=repr).encode()).digest()
