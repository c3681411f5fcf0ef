from __future__ import annotations

import gc

import typer

from lei_pipeline.cli.output import echo


def run(
    waves: list[str] = typer.Option(None, "--wave", help="Wave to run (repeatable). Default: every wave."),
) -> None:
    """Materialise wave(s) in-process: read, validate, score, index, publish; then a summary.

    A failed blocking check ends with a non-zero exit code naming the check and its first failing rows.

    Example: lei run --wave 2024
    """
    from lei_pipeline import worker
    from lei_pipeline.waves import read_ahead

    settings, todo = _waves_to_run(waves)    # a mistake in the command is said before anything starts
    # Then the worker: it reads and scores the first wave's export, then imports Great
    # Expectations, on the other core while this process imports Dagster and loads the registry
    # (stopped below however the command ends).
    worker.start(first=read_ahead.first_jobs(settings, todo[0]))
    try:
        runs = _run_waves(settings, todo)
    finally:
        worker.stop()
    _summary(settings, runs)
    failed = [r for r in runs if not r.success or r.failed_blocking]
    if failed:
        for r in failed:
            names = ", ".join(f"{c['asset']}:{c['check']}" for c in r.failed_blocking) or (r.error or "run failed")
            echo(f"wave {r.wave}: FAILED ({names}); nothing published for this wave")
        raise typer.Exit(1)


def _waves_to_run(waves: list[str] | None):
    from lei_pipeline.errors import LeiError
    from lei_pipeline.settings import Settings
    from lei_pipeline.waves.declared import check_wave_name, discover_waves, in_declared_order, require_declared, undeclared_waves
    from lei_pipeline.waves.declared import undeclared_message

    settings = Settings.from_env()
    for w in waves or []:
        check_wave_name(w)
    if waves:
        for w in waves:
            require_declared(settings, w)
        todo = in_declared_order(settings, waves)   # a wave's change needs its predecessor published first
    else:
        todo = discover_waves(settings)
        for w in undeclared_waves(settings):
            echo(f"warning: {undeclared_message(settings, w)}; not run")
    if not todo:
        raise LeiError(f"no declared waves with an export under {settings.raw_dir}: add one with "
                       f"`lei wave add WAVE EXPORT`")
    return settings, todo


def _run_waves(settings, todo: list[str]) -> list:
    from functools import partial

    from lei_pipeline.collector import imports_uncollected
    from lei_pipeline.waves import read_ahead, score_ahead

    # Dagster, its storage and the snapshot readers are imported here, with the collector off (its
    # passes walked the growing heap again and again: lei_pipeline/collector.py). What the imports made
    # (hundreds of thousands of objects that live as long as the process) is then frozen out of the
    # collector's full passes while the waves run: those passes walked it every time (7 passes,
    # 1.5 s of a `lei run` of the sample waves, measured).
    with imports_uncollected():
        import lei_pipeline.defs.definitions  # noqa: F401  (the assets materialize_wave builds: imported here, uncollected)
        from lei_pipeline.defs.instance import get_instance
        from lei_pipeline.defs.run_waves import materialize_wave
        from lei_pipeline.methodology.versions import check_methodology_version

        check_methodology_version(settings)
        instance = get_instance()
    runs = []
    try:
        for wave, after in zip(todo, [*todo[1:], None]):
            echo(f"wave {wave}: running")
            # the worker reads and scores the next wave while this one is analysed and published
            # (waves/read_ahead.py, waves/score_ahead.py), then analyses it
            ahead = {} if after is None else dict(after_change=partial(read_ahead.start, settings, after),
                                                   after_publish=partial(score_ahead.start_analysis, settings, after))
            runs.append(materialize_wave(instance, wave, on_event=_LiveLines(**ahead)))
            _show_failures(runs[-1])
    finally:
        gc.unfreeze()   # a caller in the same process (the tests) gets an ordinary collector back
    return runs


def _show_failures(r) -> None:
    shown = {a.asset for a in r.assets if a.status != "skipped"}
    for a in r.assets:
        if a.status == "failed" and a.detail:
            echo(f"  FAIL {a.asset}: {a.detail}")
        elif a.status == "skipped" and a.asset not in shown:
            echo(f"  skip {a.asset:<20} {a.detail}")


class _LiveLines:
    """One line per asset as soon as Dagster reports it, and one per failed check. after_change:
    called once wave_change has materialised (its step has handed the suites to the worker);
    after_publish: once published_snapshot has."""

    def __init__(self, after_change=None, after_publish=None):
        self.started: dict[str, float] = {}
        self.after = {"wave_change": after_change, "published_snapshot": after_publish}

    def __call__(self, event) -> None:
        import time

        kind, step = event.event_type_value, event.step_key
        if kind == "STEP_START":
            self.started[step] = time.perf_counter()
        elif kind == "ASSET_MATERIALIZATION":
            from lei_pipeline.defs.run_waves import describe_materialisation

            detail = describe_materialisation(event.event_specific_data.materialization.metadata)
            took = time.perf_counter() - self.started.get(step, time.perf_counter())
            echo(f"  ok   {step:<20} {detail:<34} {took:5.1f} s")
            if self.after.get(step) is not None:
                self.after[step]()
        elif kind == "ASSET_CHECK_EVALUATION":
            ev = event.event_specific_data
            if not ev.passed:
                first = ev.metadata.get("first_error")
                echo(f"  FAIL check {ev.asset_key.to_user_string()}:{ev.check_name}")
                if first is not None:
                    echo(f"       {first.value}")


def _summary(settings, runs) -> None:
    from lei_pipeline.publish import load
    from lei_pipeline.publish.provenance import is_synthetic

    echo("")
    echo("summary")
    for r in runs:
        passed = sum(c["passed"] for c in r.checks)
        pub = "not published" if r.published_version is None else f"version {r.published_version}" + (
            " (unchanged)" if r.unchanged else "")
        echo(f"  wave {r.wave}: {r.units_scored} local governments scored, checks {passed} passed / "
             f"{len(r.checks) - passed} failed, {pub}, {r.seconds:.1f} s")
        if r.published_version is not None:
            top = load("scores", wave=r.wave, version=r.published_version, settings=settings).nsmallest(5, "rank")
            for row in top.itertuples():
                echo(f"      {int(row.rank):>3}. {row.unit_name:<24} {row.lei:5.1f}  {row.category}")
    echo("")
    echo(f"outputs:   {_published_location(settings)}/wave=<wave>/version=<n>/ (Parquet + manifest.json)")
    echo(f"catalog:   {settings.catalog_url}")
    published = [r.wave for r in runs if r.published_version is not None]
    if published:
        echo(f"analysts:  {_analyst_hint(settings, published[-1])}")
    echo("UI:        make dev   (then open http://127.0.0.1:3000)")
    synthetic = [r.wave for r in runs if is_synthetic(settings.raw_dir / r.wave)]
    if synthetic:
        echo(f"note:      wave {', '.join(synthetic)}: synthetic sample data, not real LEI results")


def _analyst_hint(settings, wave: str) -> str:
    """A command that loads this run's last published wave as it stands, from any shell: the data
    folder and storage named when they are not the defaults (a catalog URL may hold a password,
    so it is not repeated)."""
    import shlex

    from lei_pipeline.settings import DEFAULT_DATA_DIR

    env = ""
    if settings.data_dir != DEFAULT_DATA_DIR.resolve():
        env += f"LEI_DATA_DIR={shlex.quote(str(settings.data_dir))} "
    if settings.storage_url:
        env += f"LEI_STORAGE_URL={shlex.quote(settings.storage_url)} "
    # double quotes around the code: a wave name is letters, digits, '-' and '_' (the wave-name pattern)
    return f"{env}{_python()} -c \"import lei_pipeline; print(lei_pipeline.load('scores', wave='{wave}'))\""


def _published_location(settings) -> str:
    """Where the snapshots went: the bucket's s3://bucket/prefix, or the local folder. From the
    settings, not storage_for(): naming the place must not need the bucket to answer (a run that
    failed because it did not still ends with this summary)."""
    from lei_pipeline.publish.storage import is_bucket_url

    if is_bucket_url(settings.storage_url):
        return settings.storage_url.rstrip("/")
    return str(settings.published_dir)


def _python() -> str:
    """This interpreter (the project's .venv), so the hint runs without activating anything."""
    import os
    import shlex
    import sys

    rel = os.path.relpath(sys.executable)
    return shlex.quote(rel if not rel.startswith("..") else sys.executable)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
