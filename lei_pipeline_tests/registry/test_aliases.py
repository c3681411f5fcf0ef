import csv

import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.registry import Matcher, load_aliases
from lei_pipeline.registry.aliases import default_aliases_path


def _alias_rows():
    with default_aliases_path().open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_alias_matches_its_unit(matcher):
    rows = _alias_rows()
    assert rows
    for row in rows:
        r = matcher.match(row["alias"])
        assert (r.unit_code, r.status) == (row["unit_code"], "alias"), row["alias"]
        assert row["note"].strip()


@pytest.mark.parametrize("typed, name", [("Soko Banja", "Sokobanja"), ("Petrovac", "Petrovac na Mlavi"),
                                         ("Magyarkanizsa", "Kanjiža"), ("Belgrade", "Beograd"), ("Nish", "Niš"),
                                         ("Grad Belgrade", "Beograd"), ("opština Soko Banja", "Sokobanja")])
def test_named_aliases(reg, matcher, typed, name):
    expected = reg.loc[(reg["name_latin"] == name) & reg["respondent"], "unit_code"].item()
    assert matcher.match(typed).unit_code == expected


def test_petrovac_alias_does_not_capture_backi_petrovac(reg, matcher):
    assert matcher.match("Bački Petrovac").unit_code == reg.loc[reg["name_latin"] == "Bački Petrovac", "unit_code"].item()


def _write(tmp_path, lines):
    path = tmp_path / "aliases.csv"
    path.write_text("alias,unit_code,note\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("line, why", [
    ("Atlantis,00000,x", "unknown unit_code '00000'"),
    ("ČAČAK,71242,x", "already a registry name"),
    ("Karanovac,71242,x", "already a registry name"),   # the Cyrillic name below, in Latin
    (",71242,x", "empty alias"),
])
@pytest.mark.parametrize("loaded_by", ["load_aliases", "the matcher"])   # the matcher hands over its keys
def test_bad_alias_tables_are_rejected(reg, tmp_path, line, why, loaded_by):
    reg = reg.copy()   # a Cyrillic name that is not the Latin one transliterated (Čačak's old name)
    reg.loc[reg["name_latin"] == "Čačak", "name_cyrillic"] = "Карановац"
    with pytest.raises(LeiError, match=why):
        if loaded_by == "the matcher":
            Matcher(reg, aliases=_write(tmp_path, [line]))
        else:
            load_aliases(reg, _write(tmp_path, [line]))


def test_the_plain_d_spelling_is_an_alias_both_ways(reg, tmp_path):
    # not a registry name (those are the Latin and Cyrillic ones), though the matcher knows it
    path = _write(tmp_path, ["Arandelovac,70033,x"])
    assert load_aliases(reg, path) == {"arandelovac": "70033"}
    assert Matcher(reg, aliases=path).match("Arandelovac").unit_code == "70033"


def test_repeated_alias_is_rejected(reg, tmp_path):
    with pytest.raises(LeiError, match="repeats an earlier alias"):
        load_aliases(reg, _write(tmp_path, ["Soko Banja,71129,x", "SOKO-BANJA,71129,y"]))


def test_custom_alias_table(reg, tmp_path):
    m = Matcher(reg, aliases=_write(tmp_path, ["Kraguj,70645,project test"]))
    assert (m.match("Kraguj").unit_code, m.match("Kraguj").status) == ("70645", "alias")
    assert m.match("Soko Banja").status != "alias"
