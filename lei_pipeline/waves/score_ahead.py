"""The next wave scored ahead in the worker, after its export is read there (waves/read_ahead.py).

`lei run` runs its waves one after the other, each step in this process, and its worker idled
for about half the run. Once the worker has read the next wave's export, it goes on with that
wave's pure steps as the Dagster steps would call them, in three jobs: cleaning and matching, the
indicators and the index; then, once the wave before is published (its workbook is built in the
worker too, and comes first), the change against it and the uncertainty analysis. All three are
jobs for later: the worker runs them when no job of the running wave waits.
Each result is validated there by its step's schema check (schemas/step_checks.py). Together that
is about 2 s of this process' time per sample wave. The wave's own steps then take those results
and the checks' failures (`Ahead`) instead of computing them again, waiting for the job if it is
still running.

A step takes a result only when computing it here would give the same: the same wave; the same
questionnaire, methodology, uncertainty spec and reference dates; the same registry, alias and
look-alike tables (`_situation`); and the step's own inputs equal, value for value, to the ones
the worker computed from (the export as read, the clean responses, the indicator matrix, the
scores, the previous wave's snapshot); a schema check's failures only with the result they were
found on. Anything else, no worker, a wave above MAX_UNITS rows (its frames would cost more to
send than to compute), or a step that failed there: the step computes and validates as it always
did. Every other check and the metadata always run in the step itself."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # `lei run` imports this module before it starts the worker: kept light
    import pandas as pd

MAX_UNITS = 5000   # submissions in the export; beyond it only the read is done ahead

_here: dict[str, "Scored"] = {}    # in the worker: by wave, what its jobs have made so far
_ready: dict[str, "Scored"] = {}   # in this process: by wave, the worker's scores once taken


@dataclass
class Ahead:
    """A step's result as the worker computed it, and the failures that step's schema check
    (check: its name in schemas/step_checks.py; None: not run there) found on it there."""
    value: object
    check: str | None = None
    failures: list | None = None


def failures(ahead: Ahead | None, check, *args) -> list[dict]:
    """check(*args)'s failures (a schemas/step_checks function, args the step's result): those the
    worker found when the step took its result (the same value, the same check), else found here."""
    if ahead is not None and ahead.check == check.__name__:
        return ahead.failures
    return check(*args)


@dataclass
class Scored:
    """What the worker computed for a wave; a part is None where a step failed there (the step
    then computes it here and reports why)."""
    situation: tuple
    raw: object = None            # survey.readers.RawExport, as read there
    clean: object = None          # survey.clean.CleanResult
    matrix: object = None         # methodology.IndicatorMatrix
    scores: pd.DataFrame | None = None
    checked: dict = field(default_factory=dict)   # step_checks name -> its failures on the part above

    def ahead(self, value, check: str) -> Ahead:
        return Ahead(value, check, self.checked[check]) if check in self.checked else Ahead(value)


def _situation(settings, inputs, wave: str) -> tuple:
    """Everything besides its step inputs that a wave's results depend on."""
    from lei_pipeline.uncertainty.spec import load_spec
    from lei_pipeline.waves.declared import reference_dates

    import pandas as pd

    registry = inputs.registry
    rows = pd.util.hash_pandas_object(registry, index=True).to_numpy().tobytes()
    layout = repr([(c, str(t)) for c, t in registry.dtypes.items()]).encode()
    try:
        spec = repr(load_spec(inputs.methodology.path)[0])
    except Exception:   # noqa: BLE001  (no spec: the analysis step says so itself)
        spec = None
    return (str(wave), inputs.questionnaire.sha256, inputs.methodology.sha256, spec,
            hashlib.sha256(layout + rows).hexdigest(), inputs.matcher.fingerprint(),
            tuple(sorted((str(k), str(v)) for k, v in reference_dates(settings).items())))


# ---- in this process: start the jobs, take their results ----

def start(settings, wave: str) -> None:
    """After read_ahead.start: the worker scores the export it reads."""
    from lei_pipeline import worker

    name, fn, args = job(settings, wave)
    worker.submit_ahead(name, fn, *args, later=True)


def job(settings, wave: str) -> tuple:
    """(name, fn, args) of scoring wave's export once read there."""
    return f"scores {wave}", _score, (settings, str(wave))


def start_analysis(settings, wave: str) -> None:
    """Then its change and analysis, once the wave before has been published (the change is
    against that snapshot)."""
    from lei_pipeline import worker

    if worker.running():
        worker.submit_ahead(f"change {wave}", _compare, settings, str(wave), later=True)
        worker.submit_ahead(f"analysis {wave}", _analyse, settings, str(wave), later=True)


def _take(name: str):
    from lei_pipeline import worker

    pending = worker.take_ahead(name)
    if pending is None:
        return None
    try:
        return pending.result()
    except Exception:   # noqa: BLE001  (the worker died or the job failed: computed here instead)
        return None


def _for(settings, inputs, wave: str) -> Scored | None:
    wave = str(wave)
    scored = _take(f"scores {wave}")
    if scored is not None:
        _ready[wave] = scored
    scored = _ready.get(wave)
    if scored is None or scored.situation != _situation(settings, inputs, wave):
        return None
    return scored


def _same_frame(a, b) -> bool:
    import pandas as pd

    return (isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame) and list(a.columns) == list(b.columns)
            and a.index.equals(b.index) and a.equals(b))


def cleaned(settings, inputs, wave: str, raw) -> Ahead | None:
    """The CleanResult the worker made from this export as read (raw: the step's RawExport), or None."""
    from lei_pipeline.survey.clean import CleanResult

    scored = _for(settings, inputs, wave)
    if (scored is None or scored.clean is None or (raw.fmt, raw.encoding, raw.headers)
            != (scored.raw.fmt, scored.raw.encoding, scored.raw.headers) or not _same_frame(raw.frame, scored.raw.frame)):
        return None
    c = scored.clean   # a step's changes to its frame (copy-on-write) stay its own
    return scored.ahead(CleanResult(c.frame.copy(deep=False), list(c.problems), c.decisions.copy(deep=False)),
                        "clean_schema")


def indicators(settings, inputs, wave: str, clean: pd.DataFrame) -> Ahead | None:
    """The IndicatorMatrix the worker scored from these clean responses, or None."""
    scored = _for(settings, inputs, wave)
    if scored is None or scored.matrix is None or not _same_frame(clean, scored.clean.frame):
        return None
    return scored.ahead(scored.matrix, "indicators_schema")


def composed(settings, inputs, wave: str, matrix) -> Ahead | None:
    """The scores the worker composed from this matrix, or None."""
    scored = _for(settings, inputs, wave)
    if scored is None or scored.scores is None or not scored.matrix.same_as(matrix):
        return None
    return scored.ahead(scored.scores.copy(deep=False), "scores_schema")


def _previous(prev) -> tuple:
    """What the change depends on of the previous wave: its snapshot (immutable once published)."""
    return (prev.wave, prev.version, prev.blocked, prev.manifest)


def compared(settings, inputs, wave: str, prev, matrix, scores: pd.DataFrame) -> Ahead | None:
    """The Comparison the worker made of this matrix and these scores against prev (the step's
    PreviousWave: the same snapshot), or None."""
    answer = _take(f"change {wave}")
    scored = _for(settings, inputs, wave)
    if (answer is None or scored is None or scored.scores is None or answer[0] != _previous(prev)
            or not scored.matrix.same_as(matrix) or not _same_frame(scores, scored.scores)):
        return None
    return answer[1]


def analysed(settings, inputs, wave: str, clean: pd.DataFrame, matrix, scores: pd.DataFrame) -> Ahead | None:
    """The WaveUncertainty the worker computed from these inputs, or None. The wave's last
    step to ask: its results are dropped here."""
    analysis = _take(f"analysis {wave}")
    scored = _for(settings, inputs, wave)
    _ready.pop(str(wave), None)
    if (analysis is None or scored is None or scored.scores is None or not _same_frame(clean, scored.clean.frame)
            or not scored.matrix.same_as(matrix) or not _same_frame(scores, scored.scores)):
        return None
    return analysis


# ---- in the worker ----

def read_here(wave: str, raw) -> None:
    """read_ahead's job hands on the export it read (None: it could not), for the jobs after it."""
    _here.pop(str(wave), None)
    if raw is not None and len(raw.frame.columns) and len(raw.frame) <= MAX_UNITS:
        _here[str(wave)] = Scored(situation=(), raw=raw)


def _score(settings, wave: str) -> Scored | None:
    """Cleaning, the indicators and the index, as the Dagster steps call them, each validated by
    its step's schema check, as far as they go without an error."""
    from lei_pipeline.methodology import compose_index, score_matrix
    from lei_pipeline.schemas import step_checks
    from lei_pipeline.survey.clean import clean_responses
    from lei_pipeline.waves.declared import reference_dates
    from lei_pipeline.waves.inputs import load_inputs

    out = _here.get(wave)
    if out is None:
        return None
    try:
        inputs = load_inputs(settings)
        q, m, registry = inputs.questionnaire, inputs.methodology, inputs.registry
        out.situation = _situation(settings, inputs, wave)
        out.clean = clean_responses(out.raw.frame, q, registry, wave, matcher=inputs.matcher, headers=out.raw.headers)
        out.checked["clean_schema"] = step_checks.clean_schema(out.clean.frame)
        out.matrix = score_matrix(out.clean.frame, q, m, registry=registry, reference_dates=reference_dates(settings))
        out.checked["indicators_schema"] = step_checks.indicators_schema(out.matrix, m)
        out.scores = compose_index(out.matrix, registry, m)
        out.checked["scores_schema"] = step_checks.scores_schema(out.scores)
    except Exception:   # noqa: BLE001  (what got done is kept; the failing step runs here and reports)
        pass
    return out if out.situation else None


def _scored_here(settings, wave: str, forget: bool = False) -> tuple | None:
    """(what _score made for wave, the inputs now) when it got as far as the scores and nothing it
    depends on changed since; else None. forget: the wave's last job, its results dropped here."""
    from lei_pipeline.waves.inputs import load_inputs

    out = _here.pop(wave, None) if forget else _here.get(wave)
    if out is None or out.scores is None:
        return None
    inputs = load_inputs(settings)
    return (out, inputs) if _situation(settings, inputs, wave) == out.situation else None


def _compare(settings, wave: str) -> tuple | None:
    """The change of what _score made against the previous wave's snapshot, as wave_change's step
    computes it: (that snapshot's identity, Ahead)."""
    from lei_pipeline.change.previous import compare_with_previous, previous_wave
    from lei_pipeline.schemas import step_checks

    here = _scored_here(settings, wave)
    if here is None:
        return None
    out, inputs = here
    prev = previous_wave(settings, wave)
    if prev.blocked:   # the step says so itself
        return None
    comparison = compare_with_previous(settings, wave, prev, out.matrix, out.scores, inputs.methodology,
                                       inputs.questionnaire, inputs.registry)
    return _previous(prev), Ahead(comparison, "change_schema", step_checks.change_schema(comparison.frame))


def _analyse(settings, wave: str) -> Ahead | None:
    """The uncertainty analysis of what _score made (then the wave is forgotten here)."""
    from lei_pipeline.schemas import step_checks
    from lei_pipeline.uncertainty.spec import load_spec
    from lei_pipeline.uncertainty.wave import analyse_wave
    from lei_pipeline.waves.declared import reference_dates

    here = _scored_here(settings, wave, forget=True)
    if here is None:
        return None
    out, inputs = here
    q, m = inputs.questionnaire, inputs.methodology
    analysis = analyse_wave(wave, out.clean.frame, out.matrix, out.scores, q, m, load_spec(m.path)[0],
                            score_kwargs=dict(registry=inputs.registry, reference_dates=reference_dates(settings)))
    return Ahead(analysis, "uncertainty_schema", step_checks.uncertainty_schema(analysis.tables()))
