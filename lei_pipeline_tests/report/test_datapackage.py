"""The data dictionary: a valid Frictionless package where every column is described."""
from __future__ import annotations

import json


def test_datapackage_is_valid_frictionless(snapshot_2024):
    from frictionless import Package

    descriptor = json.loads((snapshot_2024 / "datapackage.json").read_text(encoding="utf-8"))
    report = Package.validate_descriptor(descriptor)
    assert report.valid, report.flatten(["type", "note"])
    # the validator does reject a broken descriptor (so the check above can fail)
    broken = dict(descriptor, resources=[dict(descriptor["resources"][0], name="Not a name!")])
    assert not Package.validate_descriptor(broken).valid
    package = Package(descriptor)
    assert {r.name for r in package.resources} == {"responses", "indicators", "scores", "change"}


def test_every_column_has_title_description_type_and_unit(snapshot_2024):
    descriptor = json.loads((snapshot_2024 / "datapackage.json").read_text(encoding="utf-8"))
    manifest = json.loads((snapshot_2024 / "manifest.json").read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        assert res["title"] and res["description"]
        fields = res["schema"]["fields"]
        assert [f["name"] for f in fields] == [c["name"] for c in manifest["tables"][res["name"]]["schema"]]
        for f in fields:
            assert f["title"] and f["type"] and f["unit"], f["name"]
            assert f["description"] and not f["description"].startswith("Column "), (res["name"], f["name"])


def test_responses_carry_question_texts_and_indicators_their_rules(snapshot_2024):
    descriptor = json.loads((snapshot_2024 / "datapackage.json").read_text(encoding="utf-8"))
    res = {r["name"]: r for r in descriptor["resources"]}
    fields = {f["name"]: f for f in res["responses"]["schema"]["fields"]}
    str01 = fields["STR01"]
    assert str01["questionCode"] == "STR01"
    assert set(str01["questionText"]) == {"sr_latn", "sr_cyrl", "en"} and all(str01["questionText"].values())
    assert [a["code"] for a in str01["answerCodes"]] == ["Y", "N", "DK"]
    ind = {f["name"]: f for f in res["indicators"]["schema"]["fields"]}["indicator"]
    by_code = {i["code"]: i for i in ind["indicators"]}
    assert by_code["ICT02"]["rule"] == "ratio" and by_code["ICT02"]["sourceQuestions"] == ["ICT02", "ICT01"]
    scores = {f["name"]: f for f in res["scores"]["schema"]["fields"]}
    assert "Infrastructure" in scores["infrastructure"]["description"]
    assert "Key enablers" in scores["key_enablers"]["description"]
