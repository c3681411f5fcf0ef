"""The committed sample waves (data/raw/2022, 2024, 2025): one export per wave, each in a
different real-world shape, with the quirks real exports have. Every quirk is one the reader
and cleaner turn into a WARNING (never an error), so the sample runs green end to end:

- 2022 limesurvey: two units first saved an incomplete response (empty submitdate, lastpage 3,
  later pages blank) and submitted a complete one later (the later complete one wins); names
  typed with a prefix and without diacritics ("Opstina Ada") and with a one-letter typo
  ("Smederevska Planka"); JLS_CODE left empty on about a third of the rows.
- 2024 xlsx: a unit submitted twice, both complete (the later one wins); "Grad Kragujevac";
  a number typed as text ("12 zaposlenih").
- 2025 excel-csv: Cyrillic names, one with a prefix ("Општина Ћићевац"); decimal commas; an
  out-of-range percentage (ICT03 = 140, quarantined by the cleaner)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lei_pipeline.sample.exports import export_frame, write_frame
from lei_pipeline.sample.generate import generate_wave
from lei_pipeline.survey.questionnaire import Questionnaire, load_questionnaire

SYNTHETIC_NOTICE = "synthetic sample data, not real LEI results"
NOTE_NAME = "SYNTHETIC.md"
# The generator's ground truth next to each export, in a folder of its own (a "synthetic" name is
# a note, never an export, and nothing that lists a wave's files sees into the folder).
TRUTH_DIR = "SYNTHETIC-truth"
TRUTH_NAME = "truth.csv"
EVENTS_NAME = "events.csv"
# LimeSurvey records the last page reached: in its shape a few units leave the survey unfinished
# (their only response), so the wave holds pages that were never reached.
UNFINISHED_UNITS = 5
DEFAULT_WAVES = ("2022", "2024", "2025")
SHAPE_OF_WAVE = {"2022": "limesurvey", "2024": "xlsx", "2025": "excel-csv"}
FILE_NAME = {"limesurvey": "lei-{wave}-limesurvey.csv", "xlsx": "lei-{wave}-odgovori.xlsx",
             "excel-csv": "lei-{wave}-excel.csv"}
_SHAPE_CYCLE = ("limesurvey", "xlsx", "excel-csv")


def shape_for(wave: str) -> str:
    if wave in SHAPE_OF_WAVE:
        return SHAPE_OF_WAVE[wave]
    return _SHAPE_CYCLE[sum(map(ord, wave)) % len(_SHAPE_CYCLE)]


def _pick(df: pd.DataFrame, preferred: str, taken: set) -> int | None:
    """Row of the preferred unit (by Latin name), else the first unit of the same type not taken."""
    hit = df.index[(df["unit_name"] == preferred) & ~df.index.isin(list(taken))]
    if len(hit):
        return int(hit[0])
    rest = df.index[(df["unit_type"] == "municipality") & ~df.index.isin(list(taken))
                    & (df["unit_name"].str.len() >= 9)]
    return int(rest[0]) if len(rest) else None


def _typo(name: str) -> str:
    """Drop one interior letter (never a space): a one-letter typo the fuzzy matcher still places."""
    i = len(name) - 3
    while i > 1 and not name[i].isalpha():
        i -= 1
    return name[:i] + name[i + 1:]


def _incomplete_copy(row: pd.Series, q: Questionnaire, wave: str, pages_kept: int) -> pd.Series:
    """An earlier, unfinished save of the same unit: only the first pages answered."""
    areas = list(dict.fromkeys(x.area for x in q.asked_in(wave)))
    keep = set(areas[:pages_kept])
    out = row.copy()
    for question in q.asked_in(wave):
        if question.area not in keep:
            for col in question.export_columns():
                if col in out.index:
                    out[col] = pd.NA
    out["submitted_at"] = pd.NaT
    out["last_page"] = pages_kept
    return out


def _unfinished(df: pd.DataFrame, truth: pd.DataFrame, events: pd.DataFrame, q: Questionnaire, wave: str,
                rng: np.random.Generator, taken: set) -> pd.DataFrame:
    """A few units' only response stops at a page (no submitdate): the later pages are empty and
    the truth records them as not reached."""
    pages = q.pages(wave)
    total = max(pages.values())
    free = [i for i in df.index if i not in taken and df.loc[i, "unit_type"] == "municipality"]
    picked = sorted(rng.choice(free, size=min(UNFINISHED_UNITS, len(free)), replace=False).tolist())
    rows = []
    for i in picked:
        stop = int(rng.integers(max(2, total // 3), total - 1))
        df.loc[i, "last_page"] = stop
        df.loc[i, "submitted_at"] = pd.NaT
        truth.loc[i, "last_page"] = stop
        truth.loc[i, "complete"] = False
        for question in q.asked_in(wave):
            if pages[question.code] > stop:
                for col in question.export_columns():
                    df.loc[i, col] = pd.NA
                rows.append((df.loc[i, "unit_code"], question.code if question.type == "multiple_choice"
                             else question.code, "not_reached"))
        taken.add(i)
    unit_stop = {df.loc[i, "unit_code"]: truth.loc[i, "last_page"] for i in picked}
    keep = [not (u in unit_stop and pages.get(c.split("[")[0], 0) > unit_stop[u])
            for u, c in zip(events["unit_code"], events["column"])]
    extra = pd.DataFrame(rows, columns=["unit_code", "column", "event"], dtype="str")
    return pd.concat([events[keep], extra], ignore_index=True)


def sample_wave_with_truth(wave: str, seed: int = 42, n_units: int | None = None,
                           questionnaire: Questionnaire | None = None, registry: pd.DataFrame | None = None
                           ) -> tuple[pd.DataFrame, str, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(export cells with quirks, shape, the tidy frame they came from, ground truth, events).
    truth: unit_code, complete, last_page, then what each unit really has per export column;
    events: unit_code, column, event for every cell not reported as the truth (see
    generate_wave), plus not_reached for the pages an unfinished response never reached."""
    q = questionnaire or load_questionnaire()
    tidy, truth, events = generate_wave(wave, n_units=n_units, seed=seed, questionnaire=q, registry=registry)
    shape = shape_for(wave)
    rng = np.random.default_rng([seed, 11, int(wave) if wave.isdigit() else 0])
    pages_total = len(dict.fromkeys(x.area for x in q.asked_in(wave)))
    truth.insert(1, "complete", True)
    truth.insert(2, "last_page", pages_total)
    df = tidy.copy()
    df["respondent_name"] = df["unit_name"]
    df["respondent_code"] = df["unit_code"].where(df["unit_code"].str.fullmatch(r"\d{5}"), "")
    df["last_page"] = len(dict.fromkeys(x.area for x in q.asked_in(wave)))
    taken: set = set()
    extra_rows: list[pd.Series] = []
    overrides: list[tuple[int, str, str]] = []  # (row in df, column, cell text)

    def quirk_unit(preferred: str) -> int | None:
        i = _pick(df, preferred, taken)
        if i is not None:
            taken.add(i)
            df.loc[i, "respondent_code"] = ""  # the name alone must identify the unit
        return i

    if shape == "limesurvey":
        blank = rng.random(len(df)) < 0.33
        df.loc[blank, "respondent_code"] = ""
        i = quirk_unit("Ada")
        if i is not None:
            df.loc[i, "respondent_name"] = "Opstina " + df.loc[i, "unit_name"]
        i = quirk_unit("Smederevska Palanka")
        if i is not None:
            df.loc[i, "respondent_name"] = _typo(df.loc[i, "unit_name"])
        for name in ("Ivanjica", "Kula"):
            i = quirk_unit(name)
            if i is not None:
                early = _incomplete_copy(df.loc[i], q, wave, pages_kept=3)
                extra_rows.append(early)
    elif shape == "xlsx":
        i = quirk_unit("Kragujevac")
        if i is not None:
            df.loc[i, "respondent_name"] = "Grad " + df.loc[i, "unit_name"]
        i = quirk_unit("Aleksinac")
        if i is not None:
            early = df.loc[i].copy()
            early["submitted_at"] = df.loc[i, "submitted_at"] - pd.Timedelta(days=6)
            for col in ("STR01", "ICT06", "TRN01"):  # corrected in the second submission
                if col in early.index and pd.notna(early[col]):
                    early[col] = "N" if early[col] == "Y" else "Y"
            extra_rows.append(early)
        i = quirk_unit("Čačak")
        if i is not None and "HR02" in df.columns:
            df.loc[i, "HR02"] = 12.0
            truth.loc[i, "HR02"] = 12.0
            overrides.append((i, "HR02", "12 zaposlenih"))
    elif shape == "excel-csv":
        i = quirk_unit("Ćićevac")
        if i is not None:
            from lei_pipeline.sample.translit import to_cyrillic

            df.loc[i, "respondent_name"] = "Општина " + to_cyrillic(df.loc[i, "unit_name"])
        i = quirk_unit("Bor")
        if i is not None and "ICT03" in df.columns:
            overrides.append((i, "ICT03", "140"))   # quarantined by the cleaner: an empty cell
            events = pd.concat([events[~((events["unit_code"] == df.loc[i, "unit_code"]) & (events["column"] == "ICT03"))],
                                pd.DataFrame({"unit_code": [df.loc[i, "unit_code"]], "column": ["ICT03"],
                                              "event": ["out_of_range"]}, dtype="str")], ignore_index=True)

    if shape == "limesurvey" and n_units is None:
        events = _unfinished(df, truth, events, q, wave, rng, taken)

    if shape == "excel-csv":
        from lei_pipeline.sample.translit import to_cyrillic

        plain = ~df.index.isin(list(taken))
        df.loc[plain, "respondent_name"] = df.loc[plain, "unit_name"].map(to_cyrillic)

    df["_order"] = df["submitted_at"]
    if extra_rows:
        early = pd.DataFrame(extra_rows)
        # an unfinished save has no submitdate: order it by when it was started (before the real one)
        early["_order"] = [df.loc[r.name, "submitted_at"] - pd.Timedelta(days=3) for _, r in early.iterrows()]
        early.index = [f"early{k}" for k in range(len(early))]
        df = pd.concat([df, early])
    df = df.sort_values("_order", kind="stable")
    order = list(df.index)
    cells = export_frame(df.drop(columns="_order").reset_index(drop=True), shape, q, wave)
    for i, col, text in overrides:
        r = order.index(i)
        if shape == "xlsx":
            cells[col] = cells[col].astype(object)
        cells.loc[r, col] = text
    events = events.sort_values(["unit_code", "column"], kind="stable").reset_index(drop=True)
    return cells, shape, tidy, truth, events


def sample_wave(wave: str, seed: int = 42, n_units: int | None = None,
                questionnaire: Questionnaire | None = None, registry: pd.DataFrame | None = None) -> tuple[pd.DataFrame, str, pd.DataFrame]:
    """(export cells with quirks, shape, the tidy frame they came from)."""
    return sample_wave_with_truth(wave, seed, n_units, questionnaire, registry)[:3]


def _truth_csv(frame: pd.DataFrame) -> str:
    out = frame.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[c] = s.dt.strftime("%Y-%m-%d")
        elif s.dtype == "boolean" or s.dtype == bool:
            out[c] = s.map({True: "Y", False: "N"})
    return out.to_csv(index=False, lineterminator="\n", float_format="%.10g")


def write_sample_waves(out_dir: str | Path, waves=DEFAULT_WAVES, seed: int = 42, n_units: int | None = None,
                       questionnaire: Questionnaire | None = None, registry: pd.DataFrame | None = None) -> list[Path]:
    """Write one export per wave into out_dir/<wave>/, with a SYNTHETIC.md note next to it."""
    q = questionnaire or load_questionnaire()
    out_dir = Path(out_dir)
    written = []
    for wave in waves:
        wave = str(wave)
        cells, shape, tidy, truth, events = sample_wave_with_truth(wave, seed, n_units, q, registry)
        folder = out_dir / wave
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / FILE_NAME[shape].format(wave=wave)
        write_frame(cells, path, shape, q, wave)
        (folder / TRUTH_DIR).mkdir(exist_ok=True)
        (folder / TRUTH_DIR / TRUTH_NAME).write_text(_truth_csv(truth), encoding="utf-8")
        (folder / TRUTH_DIR / EVENTS_NAME).write_text(_truth_csv(events), encoding="utf-8")
        (folder / NOTE_NAME).write_text(
            f"# Wave {wave}: {SYNTHETIC_NOTICE}\n\n"
            f"`{path.name}` is {SYNTHETIC_NOTICE}: generated by `lei sample --seed {seed}` "
            f"(lei_pipeline.sample) in the {shape} export shape, {len(tidy)} responding local governments. "
            "See ../README.md for the quirks it contains.\n\n"
            f"`{TRUTH_DIR}/{TRUTH_NAME}` is the generator's ground truth (what each unit really has, whether it "
            f"completed the survey and its last page); `{TRUTH_DIR}/{EVENTS_NAME}` lists every answer not reported "
            "as the truth (dont_know, blank, not_shown, none_of_these, not_reached).\n", encoding="utf-8")
        written.append(path)
    return written
