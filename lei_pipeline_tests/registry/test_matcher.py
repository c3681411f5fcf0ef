import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.registry import MATCHED, Matcher, name_key


def code_of(reg, name, parent=None, unit_type=None):
    rows = reg[reg["name_latin"] == name]
    if parent is not None:
        rows = rows[rows["parent_city"] == parent]
    if unit_type is not None:
        rows = rows[rows["unit_type"] == unit_type]
    assert len(rows) == 1, (name, parent, unit_type)
    return rows["unit_code"].iloc[0]


def test_every_registry_name_in_both_scripts_matches_itself(reg, matcher):
    keys = reg["name_latin"].map(name_key)
    for row, key in zip(reg.itertuples(), keys):
        shared = (keys == key).sum() > 1
        for name in (row.name_latin, row.name_cyrillic):
            hinted = matcher.match(name, parent=row.parent_city if shared and isinstance(row.parent_city, str) else None,
                                   unit_type=row.unit_type if shared else None)
            assert (hinted.unit_code, hinted.status) == (row.unit_code, "exact"), name
            bare = matcher.match(name)
            if shared:
                assert bare.status == "ambiguous" and row.unit_code in bare.candidates
            else:
                assert (bare.unit_code, bare.status) == (row.unit_code, "exact"), name


@pytest.mark.parametrize("typed, name, parent, unit_type", [
    ("Grad Kragujevac", "Kragujevac", None, None),
    ("Opština Ada", "Ada", None, None),
    ("Opstina Ada", "Ada", None, None),
    ("GO Zemun", "Zemun", "Beograd", None),
    ("Gradska opština Savski Venac", "Savski venac", "Beograd", None),
    ("Општина Ада", "Ada", None, None),
    ("Град Крагујевац", "Kragujevac", None, None),
    ("Градска општина Звездара", "Zvezdara", "Beograd", None),
    ("Cacak", "Čačak", None, None),
    ("ЧАЧАК", "Čačak", None, None),
    ("čačak", "Čačak", None, None),
    ("Nis", "Niš", None, "city"),
    ("NIŠ", "Niš", None, "city"),
    ("Arandelovac", "Aranđelovac", None, None),
    ("Arandjelovac", "Aranđelovac", None, None),
    ("Savski Venac", "Savski venac", "Beograd", None),
    ("Stari Grad", "Stari grad", "Beograd", None),
    ("Crveni Krst", "Crveni krst", "Niš", None),
    ("Grad Vranje", "Vranje", None, "city"),
    ("GO Vranje", "Vranje", "Vranje", "city_municipality"),
    ("Grad Beograd", "Beograd", None, None),
    ("Palilula (Niš)", "Palilula", "Niš", None),
    ("Beograd - Palilula", "Palilula", "Beograd", None),
    ("Palilula, Ниш", "Palilula", "Niš", None),
])
def test_variants_match_exactly(reg, matcher, typed, name, parent, unit_type):
    r = matcher.match(typed)
    assert (r.unit_code, r.status) == (code_of(reg, name, parent, unit_type), "exact")
    assert r.score == 100


@pytest.mark.parametrize("typed, name", [("Kragujevc", "Kragujevac"), ("Čačk", "Čačak"), ("Sombr", "Sombor"),
                                         ("Opština Aleksnac", "Aleksinac")])
def test_typos_match_fuzzily(reg, matcher, typed, name):
    r = matcher.match(typed)
    assert (r.unit_code, r.status) == (code_of(reg, name), "fuzzy")
    assert 85 <= r.score < 100
    assert typed in r.reason and name in r.reason


@pytest.mark.parametrize("typed", ["70645", "70 645", "70.645", " 70645 ", "70645 Kragujevac"])
def test_code_input(reg, matcher, typed):
    r = matcher.match(typed)
    assert (r.unit_code, r.status) == (code_of(reg, "Kragujevac"), "code")


def test_project_code_input(reg, matcher):
    assert matcher.match("x-novi-sad").unit_code == code_of(reg, "Novi Sad", unit_type="city") == "X-NOVI-SAD"
    assert matcher.match("X BEOGRAD").status == "code"


@pytest.mark.parametrize("typed, why", [("70646", "no local government has the code '70646'"),
                                        ("90000", "Kosovo and Metohija"),
                                        ("70645 Ada", "gives the code of 70645 Kragujevac")])
def test_wrong_codes_are_unmatched(matcher, typed, why):
    r = matcher.match(typed)
    assert r.status == "unmatched" and r.unit_code is None and why in r.reason


def test_palilula_is_ambiguous_with_both_candidates(reg, matcher):
    r = matcher.match("Palilula")
    both = {code_of(reg, "Palilula", "Beograd"), code_of(reg, "Palilula", "Niš")}
    assert r.status == "ambiguous" and r.unit_code is None
    assert set(r.candidates) == both
    assert "give the parent city" in r.reason
    for code in both:
        assert code in r.reason


@pytest.mark.parametrize("parent", ["Niš", "Nis", "Ниш", "Nish", "Grad Niš", "X-NIS"])
def test_parent_resolves_palilula(reg, matcher, parent):
    r = matcher.match("Palilula", parent=parent)
    assert (r.unit_code, r.status) == (code_of(reg, "Palilula", "Niš"), "exact")


def test_parent_that_excludes_every_candidate_is_unmatched(matcher):
    r = matcher.match("Palilula", parent="Kragujevac")
    assert r.status == "unmatched" and len(r.candidates) == 2 and "Kragujevac" in r.reason
    r = matcher.match("Palilula", parent="Atlantis")
    assert r.status == "unmatched" and "parent city 'Atlantis'" in r.reason


def test_city_and_its_city_municipality(reg, matcher, lsgu_matcher):
    for name in ["Vranje", "Novi Sad", "Požarevac", "Užice"]:
        city, cm = code_of(reg, name, unit_type="city"), code_of(reg, name, parent=name)
        r = matcher.match(name)
        assert r.status == "ambiguous" and set(r.candidates) == {city, cm}
        assert "give the unit type" in r.reason
        assert matcher.match(name, unit_type="city").unit_code == city
        assert matcher.match(name, unit_type="city_municipality").unit_code == cm
        assert matcher.match(name, parent=name, unit_type="city_municipality").unit_code == cm
        assert lsgu_matcher.match(name).unit_code == city
        assert lsgu_matcher.match(f"Opština {name}").unit_code == city
        # an explicit choice still wins over the respondents preference
        assert lsgu_matcher.match(f"GO {name}").unit_code == cm


def test_respondents_only_does_not_resolve_two_city_municipalities(lsgu_matcher):
    assert lsgu_matcher.match("Palilula").status == "ambiguous"
    assert lsgu_matcher.match("Zemun").status == "exact"


def test_type_filter_that_excludes_the_unit(matcher):
    r = matcher.match("Zemun", unit_type="municipality")
    assert r.status == "unmatched" and "not a municipality" in r.reason


def test_unknown_unit_type_is_an_error(matcher):
    with pytest.raises(LeiError, match="unknown unit type 'village'"):
        matcher.match("Ada", unit_type="village")


@pytest.mark.parametrize("typed", ["xyzzy", "Zagreb", "Priština", "Bar", ""])
def test_nonsense_and_foreign_names_are_unmatched(matcher, typed):
    r = matcher.match(typed)
    assert r.status == "unmatched" and r.unit_code is None


def test_missing_name_is_unmatched(matcher):
    assert matcher.match(None).status == "unmatched"
    assert matcher.match(float("nan")).reason == "no local government name given"


def test_typo_close_to_two_names_is_ambiguous(reg, matcher):
    r = matcher.match("Beka Palanka")
    assert r.status == "ambiguous" and r.unit_code is None
    assert set(r.candidates) == {code_of(reg, "Bela Palanka"), code_of(reg, "Bačka Palanka")}


def test_fuzzy_needs_a_clear_lead(reg):
    # with a huge margin, even a good typo is not accepted; with none, the best wins
    strict = Matcher(reg, margin=50)
    assert strict.match("Kragujevc").status == "ambiguous"
    lax = Matcher(reg, margin=0.1)
    assert lax.match("Beka Palanka").unit_code == code_of(reg, "Bela Palanka")


def test_fuzzy_respects_parent(reg, matcher):
    r = matcher.match("Palilulla", parent="Beograd")
    assert (r.unit_code, r.status) == (code_of(reg, "Palilula", "Beograd"), "fuzzy")
    assert matcher.match("Palilulla").status == "ambiguous"


def test_reason_names_the_typed_form_even_when_cached(matcher):
    first, second = matcher.match("Kragujevc"), matcher.match("KRAGUJEVC")
    assert first.unit_code == second.unit_code
    assert "'KRAGUJEVC'" in second.reason and second.query == "KRAGUJEVC"


def test_matched_property(matcher):
    assert matcher.match("Ada").matched and "exact" in MATCHED
    assert not matcher.match("Palilula").matched
