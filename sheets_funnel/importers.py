"""A CRM export (HubSpot, Pipedrive, Salesforce or any table of deals) → a new pipeline workbook.

The workbook comes from the template. Its Pipeline tab holds the export's
deals: the columns sheets-funnel reads, in the template's order under the
export's own headers, then Flags, then the export's other columns. Its
Settings tab holds the mapping rows (CONTRACT §7) that read those headers and
the export's stage names as the standard ones — the preset's, or for
``generic`` the ones guessed from the headers, so a person can check them —
and a blank ``Stage:`` row for every stage name nobody has mapped yet. Dates
become real date cells and amounts numbers; every other value is kept as the
export has it. The export itself is only read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cells import Cell, Rows, as_text, is_blank, parse_number
from .errors import SheetsFunnelError, WorkbookUnusable
from .model import COLUMNS, STAGE_ORDER, lookup_header, lookup_stage, normalise
from .templates import build_workbook
from .vocabulary import VOCABULARY, Lang


@dataclass(frozen=True)
class Preset:
    """How one CRM names things in its deal export."""

    name: str
    #: Field → the export headers that hold it, best first.
    columns: dict[str, tuple[str, ...]]
    #: The CRM's default stage names → the standard stage (English name).
    stages: dict[str, str] = field(default_factory=dict)
    #: Headers of yes/no columns saying a deal is won / closed (a status is derived from them).
    won_flag: tuple[str, ...] = ()
    closed_flag: tuple[str, ...] = ()


#: HubSpot: a deals view exported from the CRM (Actions → Export), default deal properties.
#: Its default sales pipeline: Appointment Scheduled, Qualified To Buy, Presentation Scheduled,
#: Decision Maker Bought-In, Contract Sent, Closed Won, Closed Lost.
HUBSPOT = Preset(
    "hubspot",
    {
        "deal_id": ("Record ID", "Deal ID"),
        "account": ("Associated Company (Primary)", "Associated Company", "Deal Name"),
        "owner": ("Deal owner", "Deal Owner"),
        "stage": ("Deal Stage",),
        "value": ("Amount", "Amount in company currency"),
        "created": ("Create Date",),
        "next_step": ("Next step", "Next Step"),
        "next_step_date": ("Next Activity Date",),
        "closed": ("Close Date",),
    },
    {
        "Appointment Scheduled": "Opportunity",
        "Qualified To Buy": "First Appointment",
        "Presentation Scheduled": "#1",
        "Decision Maker Bought-In": "#2",
        "Contract Sent": "#3",
        "Closed Won": "Closed",
        "Closed Lost": "Lost",
    },
)

#: Pipedrive: deals exported from the Deals list (… → Export filter results), where every
#: header is "Deal - <field>". Its default pipeline: Qualified, Contact Made, Demo Scheduled,
#: Proposal Made, Negotiations Started; the status is Open, Won or Lost.
PIPEDRIVE = Preset(
    "pipedrive",
    {
        "deal_id": ("Deal - ID",),
        "account": ("Deal - Organization", "Deal - Title"),
        "owner": ("Deal - Owner",),
        "stage": ("Deal - Stage",),
        "status": ("Deal - Status",),
        "value": ("Deal - Value",),
        "created": ("Deal - Deal created",),
        "next_step_date": ("Deal - Next activity date",),
        "closed": ("Deal - Deal closed on", "Deal - Won time", "Deal - Lost time"),
    },
    {
        "Qualified": "Opportunity",
        "Contact Made": "First Appointment",
        "Demo Scheduled": "#1",
        "Proposal Made": "#2",
        "Negotiations Started": "#3",
    },
)

#: Salesforce: an Opportunities report exported as "Details Only" (CSV or .xlsx). Its
#: standard stages: Prospecting, Qualification, Needs Analysis, Value Proposition,
#: Id. Decision Makers, Perception Analysis, Proposal/Price Quote, Negotiation/Review,
#: Closed Won, Closed Lost; the Won and Closed columns say how a deal ended.
SALESFORCE = Preset(
    "salesforce",
    {
        "deal_id": ("Opportunity ID", "Opportunity Name"),
        "account": ("Account Name",),
        "owner": ("Opportunity Owner",),
        "stage": ("Stage",),
        "value": ("Amount",),
        "created": ("Created Date",),
        "next_step": ("Next Step",),
        "closed": ("Close Date",),
    },
    {
        "Prospecting": "Opportunity",
        "Qualification": "First Appointment",
        "Needs Analysis": "#1",
        "Value Proposition": "#1",
        "Id. Decision Makers": "#2",
        "Perception Analysis": "#2",
        "Proposal/Price Quote": "#3",
        "Negotiation/Review": "#3",
        "Closed Won": "Closed",
        "Closed Lost": "Lost",
    },
    won_flag=("Won",),
    closed_flag=("Closed",),
)

PRESETS: dict[str, Preset] = {p.name: p for p in (HUBSPOT, PIPEDRIVE, SALESFORCE)}
SOURCES = (*PRESETS, "generic")

# generic: words in a header that say which column it is; date columns are tried first
_GUESSES: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = (
    ("next_step_date", (frozenset({"next", "date"}), frozenset({"follow", "up"}),
                        frozenset({"followup"}))),
    ("first_appointment", (frozenset({"first", "meeting"}), frozenset({"first", "appointment"}),
                           frozenset({"first", "call"}))),
    ("closed", (frozenset({"close"}), frozenset({"closed"}), frozenset({"won", "date"}))),
    ("created", (frozenset({"created"}), frozenset({"create"}), frozenset({"opened"}))),
    ("next_step", (frozenset({"next"}),)),
    ("deal_id", (frozenset({"id"}), frozenset({"number"}), frozenset({"no"}))),
    ("account", (frozenset({"company"}), frozenset({"account"}), frozenset({"organization"}),
                 frozenset({"organisation"}), frozenset({"client"}), frozenset({"customer"}))),
    ("owner", (frozenset({"owner"}), frozenset({"rep"}), frozenset({"salesperson"}),
               frozenset({"manager"}), frozenset({"assigned"}))),
    ("stage", (frozenset({"stage"}), frozenset({"phase"}))),
    ("status", (frozenset({"status"}), frozenset({"outcome"}), frozenset({"result"}))),
    ("value", (frozenset({"amount"}), frozenset({"value"}), frozenset({"revenue"}),
               frozenset({"price"}))),
)
_DATE_FIELDS = frozenset(c.field for c in COLUMNS if c.kind == "date")
_YES = frozenset({"1", "true", "yes", "y", "x", "да"})


@dataclass
class ImportReport:
    """What an import found: the workbook written, the columns used, the stages left to map."""

    path: Path
    deals: int
    #: Field → the export header read as that column (fields the export lacks are absent).
    columns: dict[str, str]
    #: Stage names in the export that no mapping or built-in name covers, in order of appearance.
    unknown_stages: list[str]
    #: The mapping rows written to Settings (key, value; value blank for a row still to fill).
    mapping: list[tuple[str, str]]

    def describe(self) -> str:
        """A few lines for the terminal."""
        lines = [f"Created {self.path} with {self.deals} deal(s)."]
        used = ", ".join(f"{h!r} as {_standard_name(f)}" for f, h in self.columns.items())
        lines.append(f"Columns read: {used}.")
        missing = [c.en for c in COLUMNS if c.field not in self.columns]
        if missing:
            lines.append(f"Not in the export (left blank): {', '.join(missing)}.")
        if self.unknown_stages:
            lines.append("Stages to map on the Settings tab (a blank row waits for each): "
                         + ", ".join(map(repr, self.unknown_stages)) + ".")
        lines.append("Check the mapping rows on the Settings tab, then refresh.")
        return "\n".join(lines)


def import_export(source: str | os.PathLike[str], out: str | os.PathLike[str], crm: str,
                  lang: Lang = "en", overwrite: bool = False) -> ImportReport:
    """Write a new pipeline workbook at ``out`` from the CRM export ``source``.

    ``crm`` is ``hubspot``, ``pipedrive``, ``salesforce`` or ``generic``.
    Refuses an existing ``out`` unless ``overwrite`` is set.
    """
    src, dest = Path(source), Path(out)
    if crm not in SOURCES:
        raise SheetsFunnelError(f"unknown export source {crm!r}; expected one of "
                                f"{', '.join(SOURCES)}")
    if dest.suffix.lower() != ".xlsx":
        raise SheetsFunnelError(f"{dest.name}: the new workbook must be an .xlsx file")
    if dest.exists() and not overwrite:
        raise SheetsFunnelError(f"{dest} already exists; pick another name or pass --force")
    if dest.exists() and src.exists() and dest.resolve() == src.resolve():
        raise SheetsFunnelError(f"{dest} is the export itself; write the workbook elsewhere")
    header, rows = _table(read_export(src), src)
    preset = PRESETS.get(crm) or _guess_preset(header, rows)
    columns = _find_columns(preset, header)
    for required in ("deal_id", "account", "stage"):
        if required not in columns:
            wanted = " or ".join(map(repr, preset.columns.get(required, ()))) or "a header"
            raise WorkbookUnusable(
                f"{src.name}: no {_standard_name(required)} column (looked for {wanted}); "
                f"its headers are {', '.join(map(repr, header))}")
    status_from_flags = "status" not in columns and bool(preset.won_flag)
    won = _find(header, preset.won_flag)
    closed = _find(header, preset.closed_flag)
    if status_from_flags and won is None:
        status_from_flags = False
    order = {h: i for i, h in enumerate(header)}
    used = {columns[f] for f in columns} | {h for h in (won, closed) if h is not None}
    extra = [h for h in header if h not in used and h]
    slashed_dmy = {f: _day_first([r[order[columns[f]]] for r in rows])
                   for f in columns if f in _DATE_FIELDS}
    deals: list[list[Any]] = []
    for row in rows:
        cells: list[Any] = []
        for col in COLUMNS:
            head = columns.get(col.field)
            raw = row[order[head]] if head is not None else None
            if col.field == "status" and status_from_flags:
                raw = _status(row[order[won]] if won else None,
                              row[order[closed]] if closed else None)
            cells.append(_convert(col.kind, raw, slashed_dmy.get(col.field, False)))
        cells.append(None)  # Flags
        cells += [_plain(row[order[h]]) for h in extra]
        deals.append(cells)
    headers = [columns.get(c.field) or c.name(lang) for c in COLUMNS]
    mapping = _mapping_rows(preset, columns, lang)
    known = {normalise(name) for name in preset.stages}
    unknown: list[str] = []
    for row in rows:
        name = as_text(row[order[columns["stage"]]]).strip()
        if name and normalise(name) not in known and lookup_stage(name) is None \
                and name not in unknown:
            unknown.append(name)
    mapping += [(f"{VOCABULARY[lang].mapping['stage']}: {name}", "") for name in unknown]
    build_workbook(dest, lang, deals, header=[*headers, VOCABULARY[lang].flags_header, *extra],
                   mapping=[(k, v or None) for k, v in mapping])
    return ImportReport(dest, len(deals), columns, unknown, mapping)


def read_export(path: Path) -> Rows:
    """The rows of a CSV file or of the first sheet of an .xlsx/.xlsm workbook."""
    if not path.exists():
        raise SheetsFunnelError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from .backends.xlsx import XlsxWorkbook

        book = XlsxWorkbook(path)
        names = book.tab_names()
        if not names:
            raise WorkbookUnusable(f"{path.name} has no sheets")
        return book.read(names[:1]).get(names[0], [])
    if suffix not in (".csv", ".txt", ".tsv"):
        raise SheetsFunnelError(f"{path.name}: expected a .csv, .xlsx or .xlsm export")
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), dialect)]


def _table(rows: Rows, src: Path) -> tuple[list[str], Rows]:
    """The header (the first row with text) and the deal rows under it, without the footer.

    A report exported as "Details Only" may end with a blank row and a few lines of notes
    (a copyright line, who generated it): everything after the first blank row is left out.
    """
    start = next((i for i, r in enumerate(rows) if sum(not is_blank(c) for c in r) >= 2), None)
    if start is None:
        raise WorkbookUnusable(f"{src.name}: no header row with column names")
    header = [as_text(c).strip() for c in rows[start]]
    body: Rows = []
    for row in rows[start + 1:]:
        if all(is_blank(c) for c in row):
            break
        body.append([*row, *[None] * (len(header) - len(row))][:len(header)])
    return header, body


def _find(header: Sequence[str], candidates: Sequence[str]) -> str | None:
    by_key = {normalise(h): h for h in header if h}
    for name in candidates:
        found = by_key.get(normalise(name))
        if found is not None:
            return found
    return None


def _find_columns(preset: Preset, header: list[str]) -> dict[str, str]:
    columns: dict[str, str] = {}
    for col in COLUMNS:
        found = _find(header, preset.columns.get(col.field, ()))
        if found is None:  # a standard header in the export is read as it is
            found = next((h for h in header if h and lookup_header(h) is col), None)
        if found is not None and found not in columns.values():
            columns[col.field] = found
    return columns


def _words(header: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", header.casefold()))


def _guess_preset(header: list[str], rows: Rows) -> Preset:
    """A preset for an export of unknown origin, guessed from its headers and stage names."""
    taken: dict[str, str] = {}
    for h in header:
        if not h or lookup_header(h) is not None:
            continue
        words = _words(h)
        for name, patterns in _GUESSES:
            if name not in taken and any(p <= words for p in patterns):
                taken[name] = h
                break
    stages: dict[str, str] = {}
    stage_column = next(c for c in COLUMNS if c.field == "stage")
    stage_header = taken.get("stage") or next(
        (h for h in header if h and lookup_header(h) is stage_column), None)
    if stage_header is not None:
        index = header.index(stage_header)
        for row in rows:
            name = as_text(row[index]).strip()
            words = _words(name)
            if not name or lookup_stage(name) is not None:
                continue
            if "won" in words:
                stages[name] = "Closed"
            elif "lost" in words:
                stages[name] = "Lost"
    return Preset("generic", {f: (h,) for f, h in taken.items()}, stages)


def _mapping_rows(preset: Preset, columns: dict[str, str], lang: Lang) -> list[tuple[str, str]]:
    vocabulary = VOCABULARY[lang]
    rows: list[tuple[str, str]] = []
    for col in COLUMNS:
        head = columns.get(col.field)
        if head is not None and lookup_header(head) is not col:
            rows.append((f"{vocabulary.mapping['column']}: {head}", col.name(lang)))
    for name, stage in preset.stages.items():
        if lookup_stage(name) is lookup_stage(stage):
            continue  # a built-in alias already reads it so ("Closed Won")
        rows.append((f"{vocabulary.mapping['stage']}: {name}", _stage_name(stage, lang)))
    return rows


def _stage_name(name: str, lang: Lang) -> str:
    """A standard stage (given by its English name) in the workbook's language."""
    stage = lookup_stage(name)
    assert stage is not None, name
    return VOCABULARY[lang].stages[STAGE_ORDER.index(stage)]


def _standard_name(field_name: str) -> str:
    return next(c.en for c in COLUMNS if c.field == field_name)


def _status(won: Any, closed: Any) -> str:
    if normalise(as_text(won)) in _YES:
        return "Won"
    return "Lost" if normalise(as_text(closed)) in _YES else "Open"


_ISO_TIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                       r"(?:Z|[+-]\d{2}:?\d{2})?)?$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:,?\s+\d{1,2}:\d{2}.*)?$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+\d{1,2}:\d{2}.*)?$")


def _day_first(cells: Sequence[Any]) -> bool:
    """Whether the column's a/b/YYYY dates put the day first (some a is over 12)."""
    for cell in cells:
        match = _SLASHED.match(as_text(cell).strip()) if isinstance(cell, str) else None
        if match and int(match.group(1)) > 12:
            return True
    return False


def _date(value: Any, day_first: bool) -> Cell:
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, str):
        return value  # type: ignore[no-any-return]
    text = value.strip()
    try:
        if match := _ISO_TIME.match(text):
            y, m, d = (int(g) for g in match.groups())
        elif match := _SLASHED.match(text):
            a, b, y = (int(g) for g in match.groups())
            d, m = (a, b) if day_first else (b, a)
        elif match := _DOTTED.match(text):
            d, m, y = (int(g) for g in match.groups())
        else:
            return text or None
        return dt.date(y, m, d)
    except ValueError:
        return text


def _convert(kind: str, value: Any, day_first: bool) -> Cell:
    if is_blank(value):
        return None
    if kind == "date":
        return _date(value, day_first)
    if kind == "number" and isinstance(value, str):
        number = parse_number(re.sub(r"^[^\d\-.]+|[^\d.]+$", "", value.replace(",", "")))
        return number if number is not None else value
    return _plain(value)


def _plain(value: Any) -> Cell:
    if isinstance(value, dt.datetime):
        return value.date()
    return None if is_blank(value) else value
