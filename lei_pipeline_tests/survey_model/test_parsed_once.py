"""The questionnaire and methodology are parsed once per content: a run reads the same bytes for
its inputs, each snapshot's column descriptions and each report."""
from __future__ import annotations

import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.settings import REPO_ROOT
from lei_pipeline.survey.questionnaire import load_questionnaire

QUESTIONNAIRE = REPO_ROOT / "data" / "questionnaire"


def _source() -> bytes:
    return next(p for p in sorted(QUESTIONNAIRE.glob("*.yaml"))).read_bytes()


def test_the_same_bytes_elsewhere_share_the_parse_but_keep_their_own_path(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "copy" / "questionnaire.yaml"
    second.parent.mkdir()
    first.write_bytes(_source())
    second.write_bytes(_source())
    a, b = load_questionnaire(first), load_questionnaire(second)
    assert a.path == first and b.path == second
    assert b.questions is a.questions                 # parsed once


def test_other_bytes_are_parsed_and_a_broken_copy_names_its_own_file(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_bytes(_source())
    a = load_questionnaire(good)
    changed = tmp_path / "changed.yaml"
    changed.write_bytes(_source() + b"\n# another version\n")
    assert load_questionnaire(changed).questions is not a.questions
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(b"questions: [unclosed\n")
    with pytest.raises(LeiError, match="broken.yaml"):
        load_questionnaire(broken)
