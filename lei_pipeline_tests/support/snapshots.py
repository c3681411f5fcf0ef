"""Real published snapshots for tests: the sample waves run through the core (read, clean,
score, index, change, publish; no Dagster) into a private data folder, with hostile text put
into one unit's name and one answer so every reader of the snapshot is exercised with it."""
from __future__ import annotations

from pathlib import Path

from lei_pipeline_tests.support.project_data import copy_data_dir

HOSTILE_NAME = "<script>alert('x')</script>Zla =HYPERLINK(\"http://x\",\"klik\")"
HOSTILE_FORMULA = "=HYPERLINK(\"http://evil.example\",\"Opština\")"   # a name a spreadsheet would run
HOSTILE_ANSWER = "=HYPERLINK(\"http://evil.example\",\"klik\")<img src=x onerror=alert(1)>"


def publish_sample_waves(root: Path, waves: list[str], hostile: bool = True, quality: bool = False):
    """Publish each wave in order into root/data; returns (settings, {wave: PublishResult})."""
    from lei_pipeline.waves.inputs import load_inputs
    from lei_pipeline.methodology import compose_index, score_indicators
    from lei_pipeline.change.previous import compare_with_previous, previous_wave
    from lei_pipeline.publish.provenance import build_provenance, is_synthetic
    from lei_pipeline.publish import publish_snapshot
    from lei_pipeline.settings import Settings
    from lei_pipeline.survey.clean import clean_responses
    from lei_pipeline.survey.readers import read_export
    from lei_pipeline.waves.declared import find_export

    data = copy_data_dir(root / "data", waves)
    settings = Settings.from_env(data_dir=data, catalog_url=f"sqlite:///{data / 'catalog.sqlite'}")
    inputs = load_inputs(settings)
    q, m = inputs.questionnaire, inputs.methodology
    results = {}
    for wave in waves:
        raw = read_export(find_export(settings, wave), q, wave=wave)
        clean = clean_responses(raw.frame, q, inputs.registry, wave, matcher=inputs.matcher, headers=raw.headers)
        responses = clean.frame.copy()
        ind = score_indicators(responses, q, m)
        scores = compose_index(ind, inputs.registry, m)
        if hostile:
            victim = scores.sort_values("rank").iloc[0]["unit_code"]
            scores.loc[scores["unit_code"] == victim, "unit_name"] = HOSTILE_NAME
            responses.loc[responses["unit_code"] == victim, "unit_name"] = HOSTILE_NAME
            last = scores.sort_values("rank").iloc[-1]["unit_code"]
            scores.loc[scores["unit_code"] == last, "unit_name"] = HOSTILE_FORMULA
            responses.loc[responses["unit_code"] == last, "unit_name"] = HOSTILE_FORMULA
            text_q = next(c for c in responses.columns if c in q.questions and q.questions[c].type == "text")
            responses[text_q] = responses[text_q].astype("str")
            responses.loc[responses["unit_code"] == victim, text_q] = HOSTILE_ANSWER
        comparison = compare_with_previous(settings, wave, previous_wave(settings, wave), ind, scores, m, q,
                                           inputs.registry)
        change = comparison.frame
        checks = [{"asset": "test", "check": "all", "status": "passed", "blocking": True, "run_id": None}]
        prov = build_provenance(inputs, run_id=f"test-{wave}", checks=checks,
                                synthetic=is_synthetic(settings.raw_dir / wave))
        # as the Dagster publish does: the snapshot compared with, and the duplicate decisions
        prov["previous"] = {"wave": comparison.previous_wave, "version": comparison.previous_version}
        prov["duplicate_decisions"] = clean.decisions
        results[wave] = publish_snapshot(settings, wave, {"responses": responses, "indicators": ind,
                                                          "scores": scores, "change": change}, prov, quality=quality)
    return settings, results
