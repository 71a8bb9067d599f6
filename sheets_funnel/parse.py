"""Raw tab cells → typed deals, settings and row issues (CONTRACT §2–§3).

Row problems never raise: they become :class:`Issue` entries and the row is
left out. Problems that make the workbook unusable (no Pipeline tab, a
required header missing or duplicated, an unreadable setting) raise a
:class:`~sheets_funnel.errors.WorkbookUnusable` before anything is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import columns
from .cells import (
    Rows,
    as_text,
    column_letter,
    from_serial,
    is_blank,
    json_value,
    parse_date,
    parse_number,
    to_serial,
)
from .errors import BadHeader, BadSetting, MissingTab
from .model import (
    COLUMNS,
    TABS,
    Column,
    Lang,
    SettingKey,
    StageName,
    Status,
    TabNames,
    detect_lang,
    find_tab,
    lookup_setting,
)
from .own_names import OwnNames, read_own_names
from .vocabulary import VOCABULARY, spoken_list

DEAL_COLUMNS = (
    "row", "deal_id", "account", "owner", "stage", "status", "value", "created",
    "first_appointment", "next_step", "next_step_date", "closed",
)  # fmt: skip
NO_OWNER = "(none)"


@dataclass(frozen=True)
class Issue:
    """One problem with one cell of the user's data."""

    tab: str
    row: int
    column: str
    value: str | int | float | bool | None
    message: str
    severity: Literal["error", "warning"] = "error"
    expected: str = ""

    def to_json(self) -> dict[str, Any]:
        """The issue as in the ``--json`` summary."""
        return {
            "tab": self.tab,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "severity": self.severity,
        }

    def describe(self) -> str:
        """One readable line: where, what was found and what was expected."""
        shown = "blank" if self.value is None else repr(self.value)
        text = f"{self.tab} row {self.row}, column {self.column}: {self.message} ({shown})"
        return f"{text}; expected {self.expected}" if self.expected else text


@dataclass(frozen=True)
class Settings:
    """The Settings tab, with defaults applied."""

    sales_target: float | None = None
    period_start: int | None = None
    period_end: int | None = None
    cycle_days: float | None = None
    cycle_tolerance: float = 1.0
    lookback_days: int | None = None
    min_sample: int = 5
    revenue_target: float | None = None
    average_deal_value: float | None = None


@dataclass
class ParsedWorkbook:
    """Everything the calculation needs from the workbook."""

    lang: Lang
    tabs: TabNames
    deals: pd.DataFrame
    settings: Settings
    issues: list[Issue] = field(default_factory=list)
    history: Rows = field(default_factory=list)
    #: The team's own stage, status and column names from Settings (CONTRACT §7).
    names: OwnNames = field(default_factory=OwnNames)


def resolve_tabs(names: list[str]) -> tuple[Lang, TabNames]:
    """The workbook's language and the actual names of its five tabs.

    Raises MissingTab when there is no Pipeline tab in either language.
    """
    lang = detect_lang(names)
    if lang is None:
        raise MissingTab(
            f"no {TABS['en'].pipeline!r} (or {TABS['ru'].pipeline!r}) tab; "
            f"the workbook has: {', '.join(map(repr, names)) or 'no tabs'}"
        )
    base = TABS[lang]
    actual = {
        attr: find_tab(names, getattr(base, attr)) or getattr(base, attr)
        for attr in ("pipeline", "settings", "funnel", "focus", "history")
    }
    return lang, TabNames(**actual)


def parse_workbook(lang: Lang, tabs: TabNames, data: dict[str, Rows],
                   date1904: bool = False) -> ParsedWorkbook:
    """Parse the Pipeline, Settings and History tabs read from a workbook.

    ``date1904``: the workbook counts serial day numbers from 1904-01-01, so a plain
    number in a date cell is read in that system.
    """
    settings_rows = data.get(tabs.settings, [])
    settings = parse_settings(tabs.settings, settings_rows, lang, date1904)
    names = read_own_names(tabs.settings, settings_rows)
    deals, issues = parse_pipeline(tabs.pipeline, data.get(tabs.pipeline, []), lang, date1904,
                                   names)
    return ParsedWorkbook(
        lang=lang,
        tabs=tabs,
        deals=deals,
        settings=settings,
        issues=issues,
        history=_dated_history(data.get(tabs.history, []), date1904),
        names=names,
    )


def _dated_history(rows: Rows, date1904: bool) -> Rows:
    """The History rows with an as-of date held as a plain serial number turned into a date."""
    if not date1904:
        return rows
    out: Rows = rows[:1]
    for row in rows[1:]:
        serial = parse_date(row[0], date1904) if row and type(row[0]) in (int, float) else None
        out.append(row if serial is None else [from_serial(serial), *row[1:]])
    return out


def map_headers(tab: str, header: list[Any], lang: Lang,
                names: OwnNames | None = None) -> dict[str, int]:
    """Field name → column index of the Pipeline header row, the team's own names honoured.

    Raises BadHeader for a required header missing or a known header twice.
    """
    names = names or OwnNames()
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        if is_blank(cell):
            continue
        col = names.header(as_text(cell))
        if col is None:
            continue
        if col.field in found:
            first = column_letter(found[col.field])
            keys = [k for i in (found[col.field], index) if (k := names.key_of(as_text(header[i])))]
            mapped = f" (mapped by Settings {', '.join(map(repr, keys))})" if keys else ""
            raise BadHeader(
                f"{tab}!{first}1 and {tab}!{column_letter(index)}1 are both the "
                f"{_header_name(col, lang)!r} column{mapped}; keep one of them"
            )
        found[col.field] = index
    missing = [_header_name(c, lang) for c in COLUMNS if c.required and c.field not in found]
    if missing:
        raise BadHeader(
            f"{tab} row 1 is missing the required column(s) {', '.join(map(repr, missing))}; "
            f"expected headers include "
            f"{', '.join(_header_name(c, lang) for c in COLUMNS if c.required)}"
        )
    return found


#: How far down a header row pushed down by title rows is looked for.
HEADER_SEARCH_ROWS = 20


def _header_elsewhere(tab: str, rows: Rows, lang: Lang, names: OwnNames) -> str:
    """"; the header looks like row N: …" when a row below row 1 holds every required
    header (a title row above the table), else ""."""
    for n, row in enumerate(rows[1:HEADER_SEARCH_ROWS], start=2):
        try:
            map_headers(tab, list(row), lang, names)
        except BadHeader:
            continue
        above = "row 1" if n == 2 else f"rows 1–{n - 1}"
        return f"; the header looks like row {n}: move it to row 1 (delete {above} above it)"
    return ""


def _header_name(col: Column, lang: Lang) -> str:
    return col.ru if lang == "ru" else col.en


_STAGE_EXPECTED = spoken_list(VOCABULARY["en"].stages, "en")
_STATUS_EXPECTED = spoken_list((*VOCABULARY["en"].statuses, "blank"), "en")
_DATE_EXPECTED = "a date from 1900-03-01 on, YYYY-MM-DD or DD.MM.YYYY"


class _Cells:
    """The raw cells of the kept Pipeline rows, column by column, and their issues."""

    def __init__(self, tab: str, numbers: list[int], rows: list[list[Any]],
                 columns: dict[str, int], lang: Lang, date1904: bool = False) -> None:
        self.tab = tab
        self.date1904 = date1904
        self.numbers = numbers  # each kept row's row number
        self.columns = columns
        self.lang = lang
        self.issues: dict[int, list[Issue]] = {}
        self._picked = _pick_columns(rows, columns)

    def raw(self, name: str) -> list[Any]:
        """The column's cells of the kept rows (None past a short row's end)."""
        picked = self._picked.get(name)
        return [None] * len(self.numbers) if picked is None else picked

    def issue(self, k: int, name: str, value: Any, message: str, expected: str,
              severity: Literal["error", "warning"] = "error") -> None:
        col = _COLUMN[name]
        self.issues.setdefault(k, []).append(Issue(
            self.tab, self.numbers[k], _header_name(col, self.lang), json_value(value), message,
            severity, expected))

    def text(self, name: str, required: bool) -> list[str]:
        values = columns.texts(self.raw(name))
        if required:
            label = _COLUMN[name].en
            for k, value in enumerate(values):
                if not value:
                    self.issue(k, name, None, f"missing {label}", "a value in every deal row")
        return values

    def date(self, name: str) -> list[float]:
        raw = self.raw(name)
        values, bad = columns.dates(raw, self.date1904)
        for k in bad:
            self.issue(k, name, raw[k], "not a date", _DATE_EXPECTED)
        return values

    def number(self, name: str) -> list[float]:
        raw = self.raw(name)
        values, bad, negative = columns.numbers(raw)
        for k in bad:
            self.issue(k, name, raw[k], "not a number", "a number of 0 or more")
        for k in negative:
            self.issue(k, name, raw[k], "negative value", "a number of 0 or more")
        return values


_COLUMN = {c.field: c for c in COLUMNS}


def _pick_columns(rows: list[list[Any]], indexes: dict[str, int]) -> dict[str, list[Any]]:
    """The cells of the named columns, one list per column (None past a short row's end).

    Only these columns are materialised, so a known column far to the right costs one cell
    per row, not the width of the sheet up to it.
    """
    shortest = min(map(len, rows), default=0)
    return {name: list(map(itemgetter(i), rows)) if i < shortest  # one C-level pass
            else [cells[i] if len(cells) > i else None for cells in rows]
            for name, i in indexes.items()}


#: An issue a stage and status give a row: the field, the message and what was expected.
_Finding = tuple[str, str, str]


def _stage_and_status(stage_text: str, status_text: str, has_fa: bool,
                      names: OwnNames) -> tuple[int, str, tuple[_Finding, ...]]:
    """The deal's furthest stage (0–5), its status ('open', 'won', 'lost') and the issues
    its Stage and Status cells give; stage -1 and status "" on error.

    It depends only on the two texts and whether there is a First Appointment Date, so a
    Pipeline's rows share a handful of answers.
    """
    found: list[_Finding] = []
    stage: StageName | None = None
    if not stage_text:
        found.append(("stage", "missing Stage", _STAGE_EXPECTED))
    else:
        stage = names.stage(stage_text)
        if stage is None:
            found.append(("stage", "unknown stage", _STAGE_EXPECTED))
    status: Status | None = None
    if status_text:
        status = names.status(status_text)
        if status is None:
            found.append(("status", "unknown status", _STATUS_EXPECTED))
    if stage is None or (status_text and status is None):
        return -1, "", tuple(found)
    if stage is StageName.LOST:
        if status not in (None, Status.LOST):
            return -1, "", (("status", "stage Lost with a status other than Lost",
                             "Lost or blank"),)
        return (1 if has_fa else 0), "lost", ()
    if stage is StageName.CLOSED:
        if status in (Status.OPEN, Status.LOST):
            return -1, "", (("status", "stage Closed with status " + status.value,
                             "Won or blank for a Closed deal"),)
        return 5, "won", ()
    if status is Status.WON:
        return 5, "won", ()
    return stage.value, "lost" if status is Status.LOST else "open", ()


def _is_blank_row(cells: list[Any]) -> bool:
    return all(v is None or (type(v) is str and not v.strip()) for v in cells)


def _deal_rows(rows: Rows) -> tuple[list[int], list[list[Any]]]:
    """The row numbers of the rows below the header that hold anything, and those rows."""
    body = rows[1:]
    first: list[Any] = [cells[0] if cells else "" for cells in body]
    try:  # the usual case: text (a Deal ID, or "") in every row's first cell
        filled = list(map(bool, map(str.strip, first)))
    except TypeError:
        filled = [not is_blank(v) for v in first]
    if all(filled):  # nothing to leave out: the rows are not copied one by one
        return list(range(2, len(body) + 2)), body
    numbers = [n + 2 for n, (cells, quick) in enumerate(zip(body, filled, strict=True))
               if quick or (cells and not _is_blank_row(cells))]
    return numbers, [body[n - 2] for n in numbers]


def parse_pipeline(tab: str, rows: Rows, lang: Lang,
                   date1904: bool = False,
                   names: OwnNames | None = None) -> tuple[pd.DataFrame, list[Issue]]:
    """The valid deals of the Pipeline tab, one per row, and the row issues.

    ``names`` are the team's own stage, status and column names (CONTRACT §7).

    Dates are serial day numbers of the 1900 system (float, NaN when blank), whatever the
    workbook's own date system; ``stage`` is the furthest stage 0–5 (won deals 5);
    ``status`` is open, won or lost.
    """
    if not rows or all(is_blank(c) for c in rows[0]):
        raise BadHeader(
            f"{tab} row 1 has no headers; expected "
            f"{', '.join(_header_name(c, lang) for c in COLUMNS if c.required)} at least"
            + _header_elsewhere(tab, rows, lang, names or OwnNames())
        )
    names = names or OwnNames()
    try:
        header = map_headers(tab, list(rows[0]), lang, names)
    except BadHeader as exc:
        hint = _header_elsewhere(tab, rows, lang, names)
        if hint:
            raise BadHeader(f"{exc}{hint}") from None
        raise
    row_numbers, kept = _deal_rows(rows)
    cells = _Cells(tab, row_numbers, kept, header, lang, date1904)
    deal_id = cells.text("deal_id", required=True)
    account = cells.text("account", required=True)
    owner = [o or NO_OWNER for o in cells.text("owner", required=False)]
    fa = cells.date("first_appointment")
    value = cells.number("value")
    created = cells.date("created")
    next_step = cells.text("next_step", required=False)
    next_step_date = cells.date("next_step_date")
    closed = cells.date("closed")
    stage_raw, status_raw = cells.raw("stage"), cells.raw("status")
    stage_text, status_text = columns.texts(stage_raw), columns.texts(status_raw)
    raws = {"stage": stage_raw, "status": status_raw}
    fa_a, closed_a = np.array(fa, dtype=np.float64), np.array(closed, dtype=np.float64)
    # a pipeline holds few distinct (stage, status, has a first appointment) triples: each is
    # read once, and every row takes its triple's answer
    keys = list(zip(stage_text, status_text, (~np.isnan(fa_a)).tolist(), strict=True))
    known = {key: _stage_and_status(*key, names) for key in dict.fromkeys(keys)}
    answers = list(map(known.__getitem__, keys))
    stage_a = np.fromiter(map(itemgetter(0), answers), dtype=np.int64, count=len(answers))
    status_a = np.array(list(map(itemgetter(1), answers)), dtype=object)
    if any(found for _, _, found in known.values()):
        for k, (_, _, found) in enumerate(answers):
            for name, message, expected in found:
                cells.issue(k, name, raws[name][k], message, expected)
    for k in np.flatnonzero((status_a == "won") & (closed_a < fa_a)).tolist():
        cells.issue(k, "closed", cells.raw("closed")[k],
                    "Closed Date before First Appointment Date",
                    "a Closed Date on or after the First Appointment Date")
    keep = np.ones(len(kept), dtype=bool)
    keep[[k for k, found in cells.issues.items()
          if any(i.severity == "error" for i in found)]] = False
    for k in np.flatnonzero(keep & (status_a == "open") & (stage_a >= 1) & (stage_a <= 4)
                            & np.isnan(fa_a)).tolist():
        cells.issue(k, "first_appointment", None, "missing First Appointment Date",
                    "a First Appointment Date for a deal past Opportunity",
                    severity="warning")
    issues = [issue for k in sorted(cells.issues) for issue in cells.issues[k]]
    texts = {"deal_id": deal_id, "account": account, "owner": owner, "next_step": next_step}
    numbers = {"value": value, "created": created, "first_appointment": fa_a,
               "next_step_date": next_step_date, "closed": closed_a}
    deals = pd.DataFrame({
        "row": np.array(row_numbers, dtype=np.int64)[keep],
        **{name: np.array(texts[name], dtype=object)[keep] for name in texts},
        "stage": stage_a[keep], "status": status_a[keep],
        **{name: np.asarray(numbers[name], dtype=np.float64)[keep] for name in numbers},
    })[list(DEAL_COLUMNS)]
    deals, duplicate_issues = _drop_duplicate_ids(tab, deals, lang)
    if duplicate_issues:  # a row left out as a duplicate needs no warning about its dates
        dropped = {i.row for i in duplicate_issues}
        issues = [i for i in issues if i.severity == "error" or i.row not in dropped]
    issues.extend(duplicate_issues)
    return _typed(deals), issues


#: How many other rows a duplicate Deal ID's message lists before it says how many more.
DUPLICATE_ROWS_SHOWN = 10


def _drop_duplicate_ids(tab: str, deals: pd.DataFrame,
                        lang: Lang) -> tuple[pd.DataFrame, list[Issue]]:
    ids: list[str] = deals["deal_id"].tolist()
    keys = list(map(str.casefold, map(str.strip, ids)))
    if len(set(keys)) == len(keys):
        return deals, []
    groups: dict[str, list[int]] = {}
    for n, key in enumerate(keys):
        groups.setdefault(key, []).append(n)
    rows_of: list[int] = deals["row"].tolist()
    issues: list[Issue] = []
    header = _header_name(COLUMNS[0], lang)
    dup = np.zeros(len(keys), dtype=bool)
    for key, members in groups.items():
        if len(members) < 2:
            continue
        dup[members] = True
        rows = [rows_of[n] for n in members]
        for n, row in zip(members, rows, strict=True):
            others = [str(r) for r in rows if r != row]
            more = len(others) - DUPLICATE_ROWS_SHOWN
            listed = ", ".join(others[:DUPLICATE_ROWS_SHOWN]) + (
                f" and {more} more" if more > 0 else "")
            message = f"duplicate Deal ID (also in row {listed})"
            issues.append(Issue(tab, row, header, ids[n], message, "error",
                                f"a Deal ID used by no other row ({key!r})"))
    return deals[~dup].reset_index(drop=True), issues


def _typed(deals: pd.DataFrame) -> pd.DataFrame:
    out = deals.copy()
    out["row"] = out["row"].astype(np.int64)
    out["stage"] = out["stage"].astype(np.int64)
    for name in ("value", "created", "first_appointment", "next_step_date", "closed"):
        out[name] = out[name].astype(np.float64)
    for name in ("deal_id", "account", "owner", "status", "next_step"):
        out[name] = out[name].astype(object)
    return out


def parse_settings(tab: str, rows: Rows, lang: Lang, date1904: bool = False) -> Settings:
    """The Settings tab (key in column A, value in column B), defaults applied.

    A missing tab gives all defaults. Raises BadSetting naming the key and
    cell when a value cannot be read.
    """
    values: dict[str, Any] = {}
    for offset, cells in enumerate(rows):
        if not cells or is_blank(cells[0]):
            continue
        key = lookup_setting(as_text(cells[0]))
        raw = cells[1] if len(cells) > 1 else None
        if key is None or is_blank(raw):
            continue
        values[key.field] = _setting_value(key, raw, f"{tab}!B{offset + 1}", lang, date1904)
    start, end = values.get("period_start"), values.get("period_end")
    if start is not None and end is not None and start > end:
        raise BadSetting(
            f"{tab}: Period Start {from_serial(start)} is after Period End {from_serial(end)}"
        )
    return Settings(**values)


def _setting_value(key: SettingKey, raw: Any, where: str, lang: Lang, date1904: bool) -> Any:
    name = key.ru if lang == "ru" else key.en
    if key.kind == "date":
        serial = parse_date(raw, date1904)
        if serial is None:
            raise BadSetting(f"{where}: {name} is {raw!r}; expected {_DATE_EXPECTED}")
        return serial
    number = parse_number(raw)
    if key.kind == "int":
        if number is None or number < 0 or not float(number).is_integer():
            raise BadSetting(f"{where}: {name} is {raw!r}; expected a whole number of 0 or more")
        return int(number)
    if number is None or number <= 0:
        raise BadSetting(f"{where}: {name} is {raw!r}; expected a number greater than 0")
    return number


def period_of(settings: Settings, as_of: dt.date) -> tuple[int, int]:
    """The period as serial day numbers, defaulting to the as-of year."""
    start = settings.period_start
    end = settings.period_end
    if start is None:
        start = to_serial(dt.date(as_of.year, 1, 1))
    if end is None:
        end = to_serial(dt.date(as_of.year, 12, 31))
    return start, end


__all__ = [
    "DEAL_COLUMNS",
    "Issue",
    "ParsedWorkbook",
    "Settings",
    "parse_pipeline",
    "parse_settings",
    "parse_workbook",
    "period_of",
    "resolve_tabs",
]
