"""The report's words in Serbian (Latin) and English, and the escaping every text goes through.

Every string from the data (unit names, answers, codes) passes through `esc` before it reaches
the HTML, and through `plot_text` before it reaches a chart (Plotly reads a few HTML tags in
labels, so a name like <b>x</b> or <script> must reach it as entities and show as text)."""
from __future__ import annotations

import html
import json
import math

LANGS = ("sr", "en")

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Lokalni indeks eUprave: talas {wave}, verzija {version}",
              "Local eGovernance Index: wave {wave}, version {version}"),
    "notice": ("Napomena: {notice}.", "Notice: {notice}."),
    "language": ("Jezik", "Language"),
    "ranking": ("Rang lista", "Ranking"),
    "ranking_intro": ("Jedinice lokalne samouprave po LEI (0-100), 1 = najbolji.",
                      "Local governments by LEI (0-100), 1 = best."),
    "rank_interval_intro": ("Desno: rang sa intervalom 5-95% iz analize nesigurnosti (koliko rang zavisi od metodoloških izbora).",
                            "Right: rank with its 5-95% interval from the uncertainty analysis (how much the rank depends on methodological choices)."),
    "components": ("Komponente i stubovi", "Components and pillars"),
    "components_intro": ("Rezultat svake komponente i stuba (0-100), jedinice poređane po rangu.",
                         "Score of every component and pillar (0-100), units in rank order."),
    "distribution": ("Raspodela", "Distribution"),
    "by_type": ("LEI po vrsti jedinice lokalne samouprave", "LEI by type of local government"),
    "by_category": ("Broj jedinica po kategoriji razvijenosti", "Units by development category"),
    "movers": ("Najveće promene od prethodnog talasa", "Biggest movers since the previous wave"),
    "movers_intro": ("Poređenje sa talasom {previous} (samo uporedive jedinice).",
                     "Compared with wave {previous} (comparable units only)."),
    "up": ("Najveći rast", "Biggest gains"),
    "down": ("Najveći pad", "Biggest losses"),
    "quality": ("Kvalitet podataka", "Data quality"),
    "responding": ("Jedinice koje su odgovorile", "Local governments that answered"),
    "response_rate": ("Stopa odgovora", "Response rate"),
    "coverage": ("Pokrivenost kriterijuma (udeo sa vrednošću)", "Criteria coverage (share with a value)"),
    "answers": ("Odgovori: ne znam / nije nadležnost / prazno", "Answers: don't know / not applicable / blank"),
    "checks": ("Provere", "Checks"),
    "checks_summary": ("{passed} od {total} provera prošlo", "{passed} of {total} checks passed"),
    "duplicates": ("Odluke o duplikatima", "Duplicate decisions"),
    "profiles": ("Profili jedinica lokalne samouprave", "Local government profiles"),
    "profile_index": ("Izaberite jedinicu:", "Choose a local government:"),
    "overall": ("Ukupno", "Overall"),
    "within_type": ("U okviru vrste", "Within type"),
    "score": ("Rezultat", "Score"),
    "rank": ("Rang", "Rank"),
    "of": ("od", "of"),
    "interval": ("interval 5-95%", "5-95% interval"),
    "category": ("Kategorija", "Category"),
    "probability": ("verovatnoća", "probability"),
    "actions": ("Šta bi najviše podiglo LEI", "What would raise the LEI most"),
    "actions_intro": ("Kriterijumi koji nisu ispunjeni, po broju LEI poena koje bi doneli (efektivna težina x nedostatak).",
                      "Criteria not met, ranked by the LEI points each would add (effective weight x gap)."),
    "points": ("poena", "points"),
    "more_actions": ("Ostali kriterijumi ({n})", "Other criteria ({n})"),
    "change": ("Promena od prethodnog talasa", "Change since the previous wave"),
    "no_change": ("Nema uporedivog prethodnog talasa za ovu jedinicu.", "No comparable previous wave for this unit."),
    "through": ("Kroz komponente", "Through components"),
    "through_criteria": ("Kroz kriterijume", "Through criteria"),
    "no_criteria_change": ("Promene po kriterijumima nisu dostupne: snimak ne navodi verziju prethodnog talasa.",
                           "Change by criterion not available: the snapshot does not name the previous wave's version."),
    "criteria_previous_missing": ("Promene po kriterijumima nisu dostupne: snimak {previous} nije dostupan.",
                                  "Change by criterion not available: snapshot {previous} is not at hand."),
    "criteria_previous_methodology": ("Promene po kriterijumima nisu dostupne: talas {previous} je ocenjen po drugoj metodologiji ({why}).",
                                      "Change by criterion not available: wave {previous} was scored under another methodology ({why})."),
    "criteria_none": ("Nijedan kriterijum se nije promenio.", "No criterion changed."),
    "newly_meets": ("Novo ispunjeni kriterijumi", "Criteria newly met"),
    "no_longer_meets": ("Kriterijumi koji više nisu ispunjeni", "Criteria no longer met"),
    "partly": ("Delimično promenjeni kriterijumi", "Criteria partly changed"),
    "criteria_intro": ("Poređenje sa snimkom {previous}; poeni: promena x efektivna težina kriterijuma u LEI.",
                       "Compared with snapshot {previous}; points: change x the criterion's effective weight in the LEI."),
    "dup_unit": ("Jedinica", "Local government"),
    "dup_kept": ("Zadržan red", "Row kept"),
    "dup_dropped": ("Odbačeni redovi", "Rows dropped"),
    "dup_reason": ("Razlog", "Reason"),
    "export_file": ("Datoteka", "Export file"),
    "dup_none": ("Nijedna jedinica nije poslala više odgovora.", "No local government sent more than one response."),
    "peers": ("Slične jedinice iste vrste", "Peers of the same type"),
    "type_average": ("prosek vrste", "type average"),
    "component": ("Komponenta", "Component"),
    "pillar": ("Stub", "Pillar"),
    "unit": ("Jedinica", "Local government"),
    "type": ("Vrsta", "Type"),
    "previous": ("Prethodno", "Previous"),
    "now": ("Sada", "Now"),
    "not_available": ("Nije dostupno za ovaj snimak: {what}.", "Not available for this snapshot: {what}."),
    "no_uncertainty": ("tabela nesigurnosti (uncertainty) nije objavljena", "the uncertainty table was not published"),
    "no_change_table": ("tabela promena je prazna (nema prethodnog uporedivog talasa)",
                        "the change table is empty (no previous comparable wave)"),
    "no_methodology": ("metodologija u snimku nije čitljiva", "the methodology copy cannot be read"),
    "no_questionnaire": ("upitnik nije kopiran u snimak", "the questionnaire was not copied into the snapshot"),
    "no_registry_count": ("broj jedinica u registru nije zapisan u snimku", "the registry count is not recorded in the snapshot"),
    "provenance": ("Poreklo", "Provenance"),
    "no_duplicate_detail": ("pojedinačne odluke nisu zapisane u snimku (vidi metapodatke provere u Dagster-u)",
                            "the individual decisions are not recorded in the snapshot (see the check's metadata in Dagster)"),
    "back": ("Nazad na rang listu", "Back to the ranking"),
    "question": ("Pitanje", "Question"),
    "share": ("Udeo", "Share"),
    "passed": ("prošla", "passed"),
    "failed": ("nije prošla", "failed"),
    "rank_chart_score": ("LEI (0-100)", "LEI (0-100)"),
    "rank_chart_rank": ("Rang (5-95%)", "Rank (5-95%)"),
    "not_ranked": ("nije rangirana", "not ranked"),
}

# The manifest's notice is English; the synthetic-data notice has a Serbian wording too.
NOTICES_SR = {"synthetic sample data, not real LEI results": "sintetički primer podataka, ne stvarni rezultati LEI"}

# The survey cleaning's reasons for keeping one of several submissions (English in the manifest).
DUPLICATE_REASONS_SR = {
    "complete response beats incomplete": "potpun odgovor ima prednost nad nepotpunim",
    "later submit date": "kasniji datum slanja",
    "later row in the export (submit times do not decide)": "kasniji red u izvozu (vreme slanja ne odlučuje)",
}

TYPE_LABELS = {
    "capital_city": ("glavni grad", "capital city"),
    "city": ("grad", "city"),
    "municipality": ("opština", "municipality"),
    "city_municipality": ("gradska opština", "city municipality"),
}


def esc(value) -> str:
    """Text for HTML: escaped, never markup."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def plot_text(value) -> str:
    return html.escape(str(value), quote=False)


def word(key: str, lang: str, **kw) -> str:
    sr, en = WORDS[key]
    return (sr if lang == "sr" else en).format(**kw)


def bi(key: str, tag: str = "span", **kw) -> str:
    """Both languages as escaped HTML; CSS shows the one chosen."""
    return "".join(f'<{tag} class="l-{lang}">{esc(word(key, lang, **kw))}</{tag}>' for lang in LANGS)


def bi_pair(sr: str, en: str, tag: str = "span") -> str:
    return f'<{tag} class="l-sr">{esc(sr)}</{tag}><{tag} class="l-en">{esc(en)}</{tag}>'


def type_label(code: str, lang: str) -> str:
    sr, en = TYPE_LABELS.get(str(code), (str(code), str(code)))
    return sr if lang == "sr" else en


def _no_nan(obj):
    """A missing number (NaN: an unranked unit's rank, a criterion left out) as JSON null, which
    Plotly draws as a gap; JSON has no NaN."""
    if isinstance(obj, float):
        return None if obj != obj or obj in (float("inf"), float("-inf")) else obj
    if isinstance(obj, dict):
        return {k: _no_nan(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_no_nan(v) for v in obj]
    return obj


def script_json(obj) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' can end it or open a comment."""
    text = json.dumps(_no_nan(obj), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    if math.isnan(v):
        return "–"
    return f"{v:.{digits}f}"


def fmt_int(value) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(v) else str(int(round(v)))
