"""Turning a free-typed local-government name into a comparison key.

Respondents type names in either script, with or without diacritics, in any case, often with
"Opština"/"Grad" in front. Every form of one name must reduce to the same key, so the matcher
can use a dict for everything but real typos."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Serbian Cyrillic -> Serbian Latin (the official one-to-one correspondence: љ, њ, џ become
# digraphs). A few Russian letters are added because respondents on a Russian keyboard layout
# produce them for the same sounds.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž", "з": "z",
    "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć", "у": "u", "ф": "f", "х": "h", "ц": "c",
    "ч": "č", "џ": "dž", "ш": "š",
    "й": "j", "ё": "e", "э": "e",
}
_CYRILLIC_TABLE = str.maketrans(_CYRILLIC)

# Serbian diacritics to the ASCII spelling people use when they have no Serbian keyboard.
# đ becomes "dj" (Djordje), not "d": that is the usual convention (and the one in URLs).
_FOLD = {"č": "c", "ć": "c", "š": "s", "ž": "z", "đ": "dj"}
_FOLD_TABLE = str.maketrans(_FOLD)
# Both at once, for the key: Cyrillic to Latin, then folded (the two tables share no letter, so
# one pass gives what the two give one after the other; it halves name_key's translate time).
_KEY_TABLE = str.maketrans({**{c: latin.translate(_FOLD_TABLE) for c, latin in _CYRILLIC.items()}, **_FOLD})

_NON_ALNUM = re.compile(r"[^0-9a-z]+")

# Leading words that say what kind of unit follows, not which one. Longest first, so
# "gradska opstina" is removed whole rather than leaving "opstina" behind "grad".
PREFIXES: tuple[tuple[str, ...], ...] = tuple(sorted((
    ("gradska", "opstina"), ("gradske", "opstine"), ("go",), ("grad",), ("opstina",), ("ops",),
    ("opst",), ("city", "municipality", "of"), ("city", "of"), ("municipality", "of"),
    ("town", "of"), ("jls",), ("jedinica", "lokalne", "samouprave"), ("lokalna", "samouprava"),
), key=len, reverse=True))

_PREFIX_STARTS = frozenset(p[0] for p in PREFIXES)

# Which prefixes are specific enough to say the unit type. "Opština" is not: people call
# Belgrade's city municipalities "opština Zemun" and former municipalities that are now
# cities "opština Vranje", so it would mislead more often than help.
PREFIX_TYPES: dict[tuple[str, ...], frozenset[str]] = {
    ("grad",): frozenset({"capital_city", "city"}),
    ("city", "of"): frozenset({"capital_city", "city"}),
    ("gradska", "opstina"): frozenset({"city_municipality"}),
    ("gradske", "opstine"): frozenset({"city_municipality"}),
    ("go",): frozenset({"city_municipality"}),
    ("city", "municipality", "of"): frozenset({"city_municipality"}),
}


def _composed_lower(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def to_latin(text: str) -> str:
    """Serbian Cyrillic to Serbian Latin, keeping diacritics and case-folding."""
    return _composed_lower(text).translate(_CYRILLIC_TABLE)


# Large enough for a 100,000-unit registry's three spellings of each name plus an export's names:
# a smaller cache evicts keys the alias check and the matcher ask for again.
@lru_cache(maxsize=1 << 20)
def name_key(text: str) -> str:
    """The comparison key: Latin, lower case, ASCII, words separated by one space."""
    latin = _without_accents(_composed_lower(text).translate(_KEY_TABLE))   # to_latin, then folded, in one pass
    return _NON_ALNUM.sub(" ", latin).strip()


def _without_accents(latin: str) -> str:
    """Letters outside Serbian (Hungarian á, ő, ü in Magyarkanizsa...) without their accents."""
    if latin.isascii():
        return latin
    return "".join(c for c in unicodedata.normalize("NFKD", latin) if not unicodedata.combining(c))


_NON_ALNUM_OR_LINE = re.compile(r"[^0-9a-z\n]+")
_KEPT_BYTES = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyz\n")
_SPACE_BYTES = bytes(b if b in _KEPT_BYTES else ord(" ") for b in range(256))


def name_keys(texts: list[str]) -> list[str]:
    """[name_key(t) for t in texts] for many texts (a 100,000-unit registry's three spellings of
    each name: 0.6 s instead of 2.0 s), in passes over the texts joined by line breaks. Each
    step acts on a line as it would on the text alone: a line break is a starter that composes
    with nothing, is neither cased nor case-ignorable (so Σ's final form is decided at it as at
    a text's end), and is not in the key table. A text holding a line break goes through name_key."""
    joined = "\n".join(texts)
    if not texts or joined.count("\n") != len(texts) - 1:
        return [name_key(t) for t in texts]
    latin = _composed_lower(joined)
    # the table letter by letter: str.translate looks every non-ASCII character up in a dict
    # (three times slower here); no replacement holds a letter of the table, so order is free
    for letter, replacement in _KEY_TABLE.items():
        latin = latin.replace(chr(letter), replacement)
    latin = _without_accents(latin)
    if latin.isascii():   # every byte but a letter, digit or line break becomes a space
        spaced = latin.encode("ascii").translate(_SPACE_BYTES).decode("ascii")
    else:
        spaced = _NON_ALNUM_OR_LINE.sub(" ", latin)
    return [" ".join(line.split()) for line in spaced.split("\n")]


def strip_prefixes(key: str) -> tuple[str, frozenset[str] | None]:
    """Remove leading type words ("grad", "gradska opstina", "go", ...) from a key.

    Returns the remaining key and the unit types the prefixes imply (None when they imply
    nothing). Stops before removing everything, so a unit literally named like a prefix
    would survive."""
    tokens = key.split()
    if not tokens or tokens[0] not in _PREFIX_STARTS:   # most names: no prefix to try
        return " ".join(tokens), None
    hint: frozenset[str] | None = None
    changed = True
    while changed:
        changed = False
        for prefix in PREFIXES:
            n = len(prefix)
            if len(tokens) > n and tuple(tokens[:n]) == prefix:
                hint = PREFIX_TYPES.get(prefix, hint)
                tokens = tokens[n:]
                changed = True
                break
    return " ".join(tokens), hint


_CODE_SEPARATORS = re.compile(r"[\s.\-_/]+")


def compact_code(text: str) -> str:
    """A code as typed ("70 645", "70.645", "x-beograd") without separators, upper case."""
    if text.isalnum():   # most names and codes: no separator to remove (asked once per distinct name)
        return text.upper()
    joined = text.replace(" ", "")   # a name's key: words and single spaces
    if joined.isalnum():
        return joined.upper()
    return _CODE_SEPARATORS.sub("", text).upper()
