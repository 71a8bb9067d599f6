"""Lay out an existing Google spreadsheet like the template, in one batchUpdate.

Adds the five tabs (those missing) and the hidden state tab that marks the
owned tabs as sheets-funnel's (:mod:`sheets_funnel.ownership`), the Pipeline
headers with Stage and Status dropdowns, date checks and formats, the Flags
column (one ARRAYFORMULA that looks every deal up in Focus), the colouring of
flagged deals, the Settings keys with their defaults, the owned tabs' first
content, the Funnel tab's two charts over its fixed stage table (deals reached
per stage; open deals now) and the History tab's trend chart. Tabs of the
user's other than these are left alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..cells import Heading, Rows
from ..errors import SheetsFunnelError, WorkbookUnusable
from ..labels import LABELS
from ..model import COLUMNS, SETTINGS, TABS, Lang, TabNames
from ..render import (
    FOCUS_FLAGS_COLUMN,
    HISTORY_EXPECTED_CLOSES_COLUMN,
    HISTORY_WON_IN_PERIOD_COLUMN,
    OPEN_COLUMN,
    REACHED_COLUMN,
    STAGE_TABLE_FIRST_ROW,
    STAGE_TABLE_LAST_ROW,
)
from ..templates import (
    FLAGS_COLUMN,
    FOCUS_LOOKUP,
    OPEN_CHART_AT,
    REACHED_CHART_AT,
    STAGE_CHOICES,
    STATUS_CHOICES,
    TREND_CHART_AT,
    first_owned_content,
    flagged_rule,
    pipeline_header,
)
from ..vocabulary import VOCABULARY
from .google_cells import content_requests, format_requests, sheets_of, value_request
from .gsheets import GoogleSheet

_RED = {"red": 0.973, "green": 0.796, "blue": 0.678}
_HEAD = {"red": 0.867, "green": 0.922, "blue": 0.969}


def flags_array_formula(lang: Lang) -> str:
    """The Flags column's single formula (in row 2): every deal's codes from Focus."""
    focus = TABS[lang].focus.replace("'", "''")
    return (f"=ARRAYFORMULA(IF(A2:A=\"\",\"\",IFERROR(VLOOKUP(A2:A&\"\",'{focus}'!{FOCUS_LOOKUP},"
            f"{FOCUS_FLAGS_COLUMN},FALSE),\"\")))")


def _rows(sheet_id: int, rows: Rows) -> list[dict[str, Any]]:
    return [value_request(sheet_id, rows), *format_requests(sheet_id, rows)]


def _column(sheet_id: int, col: int, first_row: int = 1) -> dict[str, Any]:
    return {"sheetId": sheet_id, "startRowIndex": first_row, "startColumnIndex": col,
            "endColumnIndex": col + 1}


def _on_sheet(metadata: Mapping[str, Any], sheet_id: int, key: str) -> list[Any]:
    """The ``charts`` or ``conditionalFormats`` the metadata lists for one tab."""
    for sheet in metadata.get("sheets", []):
        if sheet.get("properties", {}).get("sheetId") == sheet_id:
            return list(sheet.get(key, []))
    return []


def layout_requests(lang: Lang, metadata: Mapping[str, Any],
                    owned: dict[str, Rows]) -> list[dict[str, Any]]:
    """The batchUpdate requests that lay the spreadsheet out (see the module docstring).

    ``metadata`` is the spreadsheet as it is now: tabs, the funnel chart and the flag
    colouring it already has are not added again, so after a failed attempt that may
    have been applied the requests can be rebuilt and sent again. ``owned`` is the first
    content of the owned tabs (as a refresh renders them).
    """
    choices = {"stage": STAGE_CHOICES[lang], "status": STATUS_CHOICES[lang]}
    tabs: TabNames = TABS[lang]
    by_title = {s.title: s.sheet_id for s in sheets_of(metadata)}
    next_id = max(by_title.values(), default=0) + 1
    requests: list[dict[str, Any]] = []
    ids: dict[str, int] = {}
    for index, title in enumerate((tabs.pipeline, tabs.settings, tabs.funnel, tabs.focus,
                                   tabs.history)):
        if title in by_title:
            ids[title] = by_title[title]
            continue
        ids[title] = next_id
        next_id += 1
        requests.append({"addSheet": {"properties": {
            "sheetId": ids[title], "title": title, "index": index,
            "gridProperties": {"rowCount": 1000, "columnCount": 26, "frozenRowCount": 1}}}})
    if tabs.state not in by_title:  # marks Funnel, Focus and History as sheets-funnel's
        requests.append({"addSheet": {"properties": {
            "sheetId": next_id, "title": tabs.state, "hidden": True,
            "gridProperties": {"rowCount": 100, "columnCount": 26}}}})
    pipe = ids[tabs.pipeline]
    requests += _rows(pipe, [[Heading(h) for h in pipeline_header(lang)]])
    requests.append({"repeatCell": {
        "range": {"sheetId": pipe, "startRowIndex": 0, "endRowIndex": 1},
        "cell": {"userEnteredFormat": {"backgroundColor": _HEAD, "textFormat": {"bold": True}}},
        "fields": "userEnteredFormat(backgroundColor,textFormat)"}})
    requests.append({"updateCells": {
        "start": {"sheetId": pipe, "rowIndex": 1, "columnIndex": FLAGS_COLUMN},
        "rows": [{"values": [{"userEnteredValue": {"formulaValue": flags_array_formula(lang)}}]}],
        "fields": "userEnteredValue"}})
    for col, column in enumerate(COLUMNS):
        if column.kind == "date":
            requests.append({"repeatCell": {
                "range": _column(pipe, col),
                "cell": {"userEnteredFormat": {"numberFormat": {"type": "DATE",
                                                                "pattern": "yyyy-mm-dd"}}},
                "fields": "userEnteredFormat.numberFormat"}})
            requests.append({"setDataValidation": {"range": _column(pipe, col), "rule": {
                "condition": {"type": "DATE_IS_VALID"}, "strict": False,
                "inputMessage": "YYYY-MM-DD or DD.MM.YYYY"}}})
        elif column.field in choices:
            requests.append({"setDataValidation": {"range": _column(pipe, col), "rule": {
                "condition": {"type": "ONE_OF_LIST",
                              "values": [{"userEnteredValue": v} for v in choices[column.field]]},
                "strict": False, "showCustomUi": True}}})
    condition = {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": flagged_rule()}]}
    if not any(rule.get("booleanRule", {}).get("condition") == condition
               for rule in _on_sheet(metadata, pipe, "conditionalFormats")):
        requests.append({"addConditionalFormatRule": {"index": 0, "rule": {
            "ranges": [{"sheetId": pipe, "startRowIndex": 1, "startColumnIndex": 0,
                        "endColumnIndex": FLAGS_COLUMN + 1}],
            "booleanRule": {"condition": condition, "format": {"backgroundColor": _RED}}}}})
    settings: Rows = [[Heading(h) for h in VOCABULARY[lang].settings_header]]
    settings += [[k.name(lang), None, k.default(lang)] for k in SETTINGS]
    settings += [[], list(VOCABULARY[lang].mapping_example)]
    requests += _rows(ids[tabs.settings], settings)
    for title, rows in owned.items():
        if title in ids:
            requests += content_requests(ids[title], rows)
    charts = [(ids[tabs.funnel], c) for c in funnel_charts(ids[tabs.funnel], lang)]
    charts.append((ids[tabs.history], trend_chart(ids[tabs.history], lang)))
    for host, chart in charts:
        title = chart["addChart"]["chart"]["spec"]["title"]
        if not any(c.get("spec", {}).get("title") == title
                   for c in _on_sheet(metadata, host, "charts")):
            requests.append(chart)
    return requests


def _source(sheet_id: int, col: int, first_row: int, end_row: int | None) -> dict[str, Any]:
    """One column of a tab as a chart's data (0-based; ``end_row`` None: to the end)."""
    grid: dict[str, Any] = {"sheetId": sheet_id, "startRowIndex": first_row,
                            "startColumnIndex": col, "endColumnIndex": col + 1}
    if end_row is not None:
        grid["endRowIndex"] = end_row
    return {"sourceRange": {"sources": [grid]}}


def _anchor(sheet_id: int, row: int, col: int, width: int, height: int) -> dict[str, Any]:
    return {"overlayPosition": {"anchorCell": {"sheetId": sheet_id, "rowIndex": row,
                                               "columnIndex": col},
                                "widthPixels": width, "heightPixels": height}}


def _stage_chart(sheet_id: int, title: str, column: int, end_row: int,
                 at: tuple[int, int], height: int) -> dict[str, Any]:
    """A bar chart of one column of the Funnel tab's stage table, Opportunity at the top."""
    first = STAGE_TABLE_FIRST_ROW - 1
    return {"addChart": {"chart": {
        "spec": {"title": title, "basicChart": {
            "chartType": "BAR", "legendPosition": "NO_LEGEND",
            "domains": [{"domain": _source(sheet_id, 0, first, end_row), "reversed": True}],
            "series": [{"series": _source(sheet_id, column - 1, first, end_row),
                        "targetAxis": "BOTTOM_AXIS",
                        "dataLabel": {"type": "DATA", "placement": "OUTSIDE_END"}}],
            "headerCount": 0}},
        "position": _anchor(sheet_id, *at, 600, height)}}}


def funnel_charts(sheet_id: int, lang: Lang) -> list[dict[str, Any]]:
    """The Funnel tab's two charts: deals reached per stage (Funnel!B5:B10, a funnel that
    only narrows) and open deals per stage now (Funnel!C5:C9)."""
    t = LABELS[lang]
    return [_stage_chart(sheet_id, t["chart_reached"], REACHED_COLUMN, STAGE_TABLE_LAST_ROW,
                         REACHED_CHART_AT, 300),
            _stage_chart(sheet_id, t["chart_open"], OPEN_COLUMN, STAGE_TABLE_LAST_ROW - 1,
                         OPEN_CHART_AT, 250)]


def trend_chart(sheet_id: int, lang: Lang) -> dict[str, Any]:
    """The History tab's line chart: expected closes and won in period over the as-of dates
    (columns A, L and J from row 2 down)."""
    t = LABELS[lang]
    return {"addChart": {"chart": {
        "spec": {"title": t["chart_trend"], "basicChart": {
            "chartType": "LINE", "legendPosition": "BOTTOM_LEGEND",
            "domains": [{"domain": _source(sheet_id, 0, 1, None)}],
            "series": [{"series": _source(sheet_id, column - 1, 1, None),
                        "targetAxis": "LEFT_AXIS"}
                       for column in (HISTORY_EXPECTED_CLOSES_COLUMN,
                                      HISTORY_WON_IN_PERIOD_COLUMN)],
            "headerCount": 0}},
        "position": _anchor(sheet_id, *TREND_CHART_AT, 600, 300)}}}


def lay_out(sheet: GoogleSheet, lang: Lang) -> list[str]:
    """Lay out a Google spreadsheet like the template; returns the tabs it set up.

    Refuses (WorkbookUnusable, nothing written) when its Pipeline tab
    already holds deal rows. Costs at most three API requests; a failed write that may
    have been applied is followed by a fresh look at the spreadsheet, and only what is
    still missing is sent again.
    """
    from ..cells import is_blank

    tabs = TABS[lang]
    names = sheet.tab_names()
    if tabs.pipeline in names:
        rows = sheet.read([tabs.pipeline]).get(tabs.pipeline, [])
        filled = sum(1 for row in rows[1:] if any(not is_blank(c) for c in row))
        if filled:
            raise WorkbookUnusable(
                f"the {tabs.pipeline!r} tab of {sheet.label} already holds {filled} deal row(s); "
                "'new --google' only lays out a spreadsheet whose pipeline is empty"
            )
    owned = first_owned_content(lang)
    sheet.batch_update(layout_requests(lang, sheet.metadata(), owned), "laying out the spreadsheet",
                       before_retry=lambda: layout_requests(lang, sheet.refetch_metadata(), owned))
    return [tabs.pipeline, tabs.settings, tabs.funnel, tabs.focus, tabs.history]


def new_google_layout(location: str, lang: Lang = "en",
                      credentials: str | os.PathLike[str] | None = None) -> list[str]:
    """Lay out an existing Google spreadsheet (URL or id) like the template.

    Returns the tabs set up; refuses a spreadsheet whose pipeline holds deals.
    """
    from . import google_id

    spreadsheet = google_id(location)
    if spreadsheet is None:
        raise SheetsFunnelError(f"{location!r} is not a Google Sheets URL or spreadsheet id")
    return lay_out(GoogleSheet(spreadsheet, credentials), lang)
