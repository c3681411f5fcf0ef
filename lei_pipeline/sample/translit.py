"""Serbian Latin -> Cyrillic transliteration for labels and synthetic names.

Serbian is written in both scripts with a one-to-one letter mapping, except the digraphs lj, nj
and dž, which are single Cyrillic letters. System names, acronyms kept in Latin in Cyrillic
Serbian texts (QR, ConsentID, URLs) and anything in KEEP_LATIN stay as they are."""
from __future__ import annotations

import re

_DIGRAPHS = {"lj": "љ", "nj": "њ", "dž": "џ", "Lj": "Љ", "Nj": "Њ", "Dž": "Џ", "LJ": "Љ", "NJ": "Њ", "DŽ": "Џ"}
_PAIRS = (
    "a а b б c ц č ч ć ћ d д đ ђ e е f ф g г h х i и j ј k к l л m м n н o о p п r р s с š ш "
    "t т u у v в z з ž ж q q w w x x y y"
).split()
_LOWER = dict(zip(_PAIRS[0::2], _PAIRS[1::2]))
_MAP = {**_LOWER, **{k.upper(): v.upper() for k, v in _LOWER.items()}}

# Kept in Latin script in Cyrillic Serbian texts: brand names, standards, units.
KEEP_LATIN = {
    "QR", "ConsentID", "HTTPS", "WCAG", "PDF", "GIS", "DinaCard", "Visa", "Mastercard", "Maestro",
    "UBL", "Mbps", "Viber", "SMS",
}
# Words where "nj"/"lj"/"dž" are two letters, not a digraph (prefix + root).
_NOT_DIGRAPH = {"injekcija": "инјекција", "konjunkcija": "коњункција", "nadživeti": "надживети",
                "podžanr": "поджанр", "odžaliti": "оджалити"}

_TOKEN = re.compile(r"(https?://\S+|[\w.-]+\.(?:rs|gov|org|com)\b[\w/.-]*|\w+|\W+)", re.UNICODE)


def _word(w: str) -> str:
    if w in KEEP_LATIN or w.lower() in _NOT_DIGRAPH:
        return _NOT_DIGRAPH.get(w.lower(), w)
    out = []
    i = 0
    while i < len(w):
        two = w[i:i + 2]
        if two in _DIGRAPHS:
            out.append(_DIGRAPHS[two])
            i += 2
            continue
        ch = w[i]
        out.append(_MAP.get(ch, ch))
        i += 1
    return "".join(out)


def to_cyrillic(text: str) -> str:
    """Transliterate Serbian Latin text; URLs and KEEP_LATIN words stay Latin."""
    parts = []
    for tok in _TOKEN.findall(text):
        if tok.startswith("http") or re.fullmatch(r"[\w.-]+\.(?:rs|gov|org|com)\b[\w/.-]*", tok):
            parts.append(tok)
        elif tok[0].isalnum() or tok[0] == "_":
            parts.append(_word(tok))
        else:
            parts.append(tok)
    return "".join(parts)


_CYR_TO_LAT = {v: k for k, v in _MAP.items() if k.lower() not in "qwxy"}
_CYR_TO_LAT.update({"љ": "lj", "њ": "nj", "џ": "dž", "Љ": "Lj", "Њ": "Nj", "Џ": "Dž"})


def to_latin(text: str) -> str:
    """Transliterate Serbian Cyrillic back to Latin (for round-trip checks)."""
    return "".join(_CYR_TO_LAT.get(ch, ch) for ch in text)
