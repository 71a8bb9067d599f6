"""Ready-made pipeline workbooks (English and Russian) built with XlsxWriter.

The template has the user's tabs (Pipeline with dropdowns, date formats, a
Flags column that looks each deal up in Focus, conditional formatting that
colours flagged deals; Settings listing every key with its default) and the
owned tabs (Funnel with two charts over its fixed stage table, Focus,
History with a trend chart).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

from .cells import (
    NUMBER_FORMATS,
    Heading,
    Money,
    NumberHeading,
    OneDecimal,
    Percent,
    Ratio,
    Rows,
    column_letter,
)
from .errors import SheetsFunnelError
from .funnel import compute
from .labels import LABELS
from .model import COLUMNS, SETTINGS, TABS
from .parse import Settings, parse_pipeline
from .render import (
    FOCUS_FLAGS_COLUMN,
    HISTORY_EXPECTED_CLOSES_COLUMN,
    HISTORY_WON_IN_PERIOD_COLUMN,
    OPEN_COLUMN,
    REACHED_COLUMN,
    STAGE_TABLE_FIRST_ROW,
    STAGE_TABLE_LAST_ROW,
    history_header,
    render_focus,
    render_funnel,
)
from .sample import sample_deals, sample_settings
from .vocabulary import VOCABULARY, Lang

#: Rows of the Pipeline tab prepared with dropdowns and the Flags formula.
TEMPLATE_ROWS = 1000
STAGE_CHOICES: dict[Lang, list[str]] = {
    lang: list(vocabulary.stages) for lang, vocabulary in VOCABULARY.items()
}
STATUS_CHOICES: dict[Lang, list[str]] = {
    lang: list(vocabulary.statuses) for lang, vocabulary in VOCABULARY.items()
}


def pipeline_header(lang: Lang) -> list[str]:
    """The template's Pipeline header row: the eleven standard columns and Flags."""
    return [c.name(lang) for c in COLUMNS] + [VOCABULARY[lang].flags_header]

_BUILD_TIME = dt.datetime(2026, 1, 1)


#: The Pipeline column (0-based) that shows each deal's flags: right after the standard ones.
FLAGS_COLUMN = len(COLUMNS)
#: The Focus columns a flags lookup searches: the Deal ID column to the flag codes.
FOCUS_LOOKUP = f"A:{column_letter(FOCUS_FLAGS_COLUMN - 1)}"
#: The Funnel tab cells (0-based row, column) at the charts' top-left corners: the deals
#: reached per stage at Q2, the open deals per stage at Q20.
REACHED_CHART_AT = (1, 16)
OPEN_CHART_AT = (19, 16)
#: The History tab cell (0-based row, column) at the trend chart's top-left corner: Y2.
TREND_CHART_AT = (1, 24)


def flags_formula(row: int, lang: Lang) -> str:
    """The Pipeline Flags cell of a row: the deal's codes looked up in Focus by Deal ID."""
    focus = TABS[lang].focus
    first, last = FOCUS_LOOKUP.split(":")
    return (f'=IF($A{row}="","",IFERROR(VLOOKUP($A{row}&"",\'{focus}\'!${first}:${last},'
            f'{FOCUS_FLAGS_COLUMN},FALSE),""))')


def flagged_rule() -> str:
    """The condition that colours a flagged deal's Pipeline row (written for row 2)."""
    return f"=LEN(${column_letter(FLAGS_COLUMN)}2)>0"


def build_workbook(path: str | os.PathLike[str], lang: Lang = "en",
                   deals: list[list[Any]] | None = None,
                   settings: dict[str, Any] | None = None,
                   vba_project: str | os.PathLike[str] | bytes | None = None,
                   button_macro: str | None = None,
                   header: list[str] | None = None,
                   mapping: list[tuple[str, str | None]] | None = None) -> Path:
    """Write a pipeline workbook from the template, with optional deal rows and settings.

    ``deals`` are rows in the Pipeline column order; ``settings`` maps field
    names of :data:`sheets_funnel.model.SETTINGS` to values. For an .xlsm
    file, ``vba_project`` is a ``vbaProject.bin`` (its path or its bytes) to embed and
    ``button_macro`` the macro a "Refresh funnel" button on the Funnel tab runs.
    ``header`` replaces the Pipeline header row (the standard columns' own names,
    Flags, then further columns the deal rows hold); ``mapping`` adds own-name
    rows (key, value) to Settings (CONTRACT §7).
    """
    import xlsxwriter

    out = Path(path)
    tabs = TABS[lang]
    book = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False,
                                          "strings_to_numbers": False,
                                          "strings_to_urls": False})
    book.set_properties({"title": "Sales pipeline", "created": _BUILD_TIME})
    f = {
        "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        **{key: book.add_format({"num_format": NUMBER_FORMATS[kind]})
           for kind, key in _NUMBER_FORMATS.items()},
        "flag": book.add_format({"bg_color": "#F8CBAD"}),
        "bold": book.add_format({"bold": True}),
        "bold_right": book.add_format({"bold": True, "align": "right"}),
        "note": book.add_format({"italic": True, "font_color": "#595959"}),
    }
    _pipeline_sheet(book, f, lang, deals or [], header or pipeline_header(lang))
    _settings_sheet(book, f, lang, settings or {}, mapping or [])
    _owned_sheets(book, f, lang)
    if isinstance(vba_project, bytes):
        book.add_vba_project(io.BytesIO(vba_project), is_stream=True)
    elif vba_project is not None:
        book.add_vba_project(str(vba_project))
    if button_macro is not None:
        caption = {"en": "Refresh funnel", "ru": "Обновить воронку"}[lang]
        book.get_worksheet_by_name(tabs.funnel).insert_button(
            "K1", {"macro": button_macro, "caption": caption, "width": 160, "height": 28})
    book.get_worksheet_by_name(tabs.pipeline).activate()
    book.close()
    return out


def _pipeline_sheet(book: Any, f: dict[str, Any], lang: Lang, deals: list[list[Any]],
                    header: list[str]) -> None:
    tabs = TABS[lang]
    ws = book.add_worksheet(tabs.pipeline)
    ws.write_row(0, 0, header, f["head"])
    ws.freeze_panes(1, 1)
    widths = [10, 24, 12, 18, 10, 11, 12, 14, 20, 14, 12, 34]
    for col, (column, width) in enumerate(zip([*COLUMNS, None], widths, strict=True)):
        fmt = None
        if column is not None and column.kind == "date":
            fmt = f["date"]
        elif column is not None and column.kind == "number":
            fmt = f["money"]
        ws.set_column(col, col, width, fmt)
    last = max(TEMPLATE_ROWS, len(deals) + 1)
    ws.data_validation(1, 3, last - 1, 3, {"validate": "list", "source": STAGE_CHOICES[lang],
                                           "error_type": "warning"})
    ws.data_validation(1, 4, last - 1, 4, {"validate": "list", "source": STATUS_CHOICES[lang],
                                           "error_type": "warning"})
    for col, column in enumerate(COLUMNS):
        if column.kind == "date":
            ws.data_validation(1, col, last - 1, col, {
                "validate": "date", "criteria": ">=", "value": dt.date(1990, 1, 1),
                "error_type": "warning",
                "error_message": "Enter a date (YYYY-MM-DD or DD.MM.YYYY)."})
    for r, deal in enumerate(deals, start=1):
        for c, value in enumerate(deal):
            if value is None:
                continue
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), f["date"])
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            elif isinstance(value, bool):
                ws.write_boolean(r, c, value)
            else:
                ws.write_number(r, c, value)
    flags_col = FLAGS_COLUMN
    for r in range(1, last):
        ws.write_formula(r, flags_col, flags_formula(r + 1, lang), None, "")
    ws.conditional_format(1, 0, last - 1, flags_col, {
        "type": "formula", "criteria": flagged_rule(), "format": f["flag"]})
    ws.autofilter(0, 0, max(len(deals), 1), max(flags_col, len(header) - 1))


def _settings_sheet(book: Any, f: dict[str, Any], lang: Lang, values: dict[str, Any],
                    mapping: list[tuple[str, str | None]]) -> None:
    ws = book.add_worksheet(TABS[lang].settings)
    ws.write_row(0, 0, VOCABULARY[lang].settings_header, f["head"])
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 40)
    for r, key in enumerate(SETTINGS, start=1):
        ws.write_string(r, 0, key.name(lang))
        value = values.get(key.field)
        if isinstance(value, dt.date):
            ws.write_datetime(r, 1, dt.datetime.combine(value, dt.time()), f["date"])
        elif value is not None:
            ws.write_number(r, 1, value)
        elif key.kind == "date":
            ws.write_blank(r, 1, None, f["date"])
        ws.write_string(r, 2, key.default(lang), f["note"])
    example = VOCABULARY[lang].mapping_example
    ws.write_row(len(SETTINGS) + 2, 0, example, f["note"])
    for r, (key_text, value_text) in enumerate(mapping, start=len(SETTINGS) + 4):
        ws.write_string(r, 0, key_text)
        if value_text:
            ws.write_string(r, 1, value_text)


def _write_rows(ws: Any, rows: Rows, f: dict[str, Any]) -> None:
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            fmt = f["bold_right"] if isinstance(value, NumberHeading) else \
                f["bold"] if isinstance(value, Heading) else None
            if value is None:
                continue
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), f["date"])
            elif isinstance(value, Percent | Money | Ratio | OneDecimal):
                ws.write_number(r, c, float(value), f[_NUMBER_FORMATS[type(value)]])
            elif isinstance(value, int | float):
                ws.write_number(r, c, value, fmt)
            else:
                ws.write_string(r, c, str(value), fmt)


_NUMBER_FORMATS = {Percent: "pct", Money: "money", Ratio: "ratio", OneDecimal: "tenths"}
#: Up to this History row the trend chart reads (a row per refresh date: years of them).
HISTORY_CHART_ROWS = 2000


def first_owned_content(lang: Lang) -> dict[str, Rows]:
    """What the Funnel, Focus and History tabs show before the first refresh."""
    tabs = TABS[lang]
    header = [c.name(lang) for c in COLUMNS]
    deals, issues = parse_pipeline(tabs.pipeline, [list(header)], lang)
    result = compute(deals, Settings(), _BUILD_TIME.date())
    funnel = render_funnel(result, issues, lang)
    funnel[0][3] = funnel[1][1] = funnel[1][3] = None  # no date until the first refresh
    return {tabs.funnel: funnel, tabs.focus: render_focus(result, lang),
            tabs.history: [history_header(lang)]}


def _owned_sheets(book: Any, f: dict[str, Any], lang: Lang) -> None:
    tabs = TABS[lang]
    t = LABELS[lang]
    content = first_owned_content(lang)
    funnel = book.add_worksheet(tabs.funnel)
    funnel.set_landscape()
    funnel.fit_to_pages(1, 0)
    funnel.set_column(0, 0, 34)
    funnel.set_column(1, 14, 15)
    funnel.set_column(2, 2, 18)  # the owners' "First Appointment" column
    _write_rows(funnel, content[tabs.funnel], f)
    first, last = STAGE_TABLE_FIRST_ROW - 1, STAGE_TABLE_LAST_ROW - 1  # 0-based
    for r in range(first, first + 5):
        for c, fmt in ((5, "pct"), (6, "pct"), (7, "ratio")):
            funnel.write_blank(r, c, None, f[fmt])
    funnel.write_blank(last + 3, 1, None, f["tenths"])
    funnel.insert_chart(*REACHED_CHART_AT, _stage_chart(book, tabs.funnel, t["chart_reached"],
                                           REACHED_COLUMN, last, "#2F5597"),
                        {"x_scale": 1.25, "y_scale": 1.1})
    funnel.insert_chart(*OPEN_CHART_AT, _stage_chart(book, tabs.funnel, t["chart_open"],
                                            OPEN_COLUMN, last - 1, "#9DC3E6"),
                        {"x_scale": 1.25, "y_scale": 0.9})
    focus = book.add_worksheet(tabs.focus)
    focus.set_column(0, 4, 16)
    focus.set_column(5, 5, 60)
    focus.set_column(6, 9, 14)
    _write_rows(focus, content[tabs.focus], f)
    focus.freeze_panes(1, 0)
    history = book.add_worksheet(tabs.history)
    history.set_column(0, 0, 12)
    history.set_column(1, 22, 11)
    _write_rows(history, content[tabs.history], f)
    history.freeze_panes(1, 1)
    history.insert_chart(*TREND_CHART_AT, _trend_chart(book, tabs.history, t), {"x_scale": 1.5})
    book.add_worksheet(tabs.state).hide()  # filled by the first refresh


def _stage_chart(book: Any, tab: str, title: str, column: int, last_row: int,
                 colour: str) -> Any:
    """A bar chart of one column of the stage table, Opportunity at the top (``last_row``
    0-based: Won's row for the funnel of deals reached, #3's for the open deals)."""
    chart = book.add_chart({"type": "bar"})
    first = STAGE_TABLE_FIRST_ROW - 1
    chart.add_series({
        "name": title,
        "categories": [tab, first, 0, last_row, 0],
        "values": [tab, first, column - 1, last_row, column - 1],
        "fill": {"color": colour},
        "gap": 40,
        "data_labels": {"value": True},
    })
    chart.set_title({"name": title, "name_font": {"size": 12}})
    chart.set_y_axis({"reverse": True})
    chart.set_x_axis({"major_gridlines": {"visible": False}, "visible": False})
    chart.set_legend({"none": True})
    return chart


def _trend_chart(book: Any, tab: str, t: dict[str, str]) -> Any:
    """Expected closes and won in period over the as-of dates of the History tab."""
    chart = book.add_chart({"type": "line"})
    for column, name in ((HISTORY_EXPECTED_CLOSES_COLUMN, t["expected_closes"]),
                         (HISTORY_WON_IN_PERIOD_COLUMN, t["won_in_period"])):
        chart.add_series({
            "name": name,
            "categories": [tab, 1, 0, HISTORY_CHART_ROWS - 1, 0],
            "values": [tab, 1, column - 1, HISTORY_CHART_ROWS - 1, column - 1],
            "marker": {"type": "circle"},
        })
    chart.set_title({"name": t["chart_trend"], "name_font": {"size": 12}})
    chart.set_x_axis({"date_axis": True, "num_format": "yyyy-mm-dd"})
    chart.set_legend({"position": "bottom"})
    chart.show_blanks_as("span")
    return chart


def new_workbook(out: str | os.PathLike[str], lang: Lang = "en", sample: int = 0,
                 as_of: dt.date | None = None, overwrite: bool = False,
                 standalone: bool = False) -> Path:
    """Create a fresh workbook from the template; with ``sample`` deals it is refreshed too.

    An ``.xlsm`` name gives the macro-enabled workbook with the "Refresh funnel" button,
    whose VBA uses the xlwings add-in, or with ``standalone`` xlwings' own VBA inside the
    workbook (:mod:`sheets_funnel.excel_templates`). Refuses to replace an existing file
    unless ``overwrite`` is set.
    """
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm"):
        raise SheetsFunnelError(
            f"{path.name}: the new workbook must be an .xlsx file, or .xlsm for the one with "
            "the Refresh button")
    if standalone and suffix != ".xlsm":
        raise SheetsFunnelError(f"{path.name}: --standalone makes an .xlsm workbook; name it "
                                f"{path.stem}.xlsm")
    if path.exists() and not overwrite:
        raise SheetsFunnelError(f"{path} already exists; pick another name or pass --force")
    if sample < 0:
        raise SheetsFunnelError("--sample must be 0 or more")
    macro: dict[str, Any] = {}
    if suffix == ".xlsm":
        from .excel_templates import BUTTON_MACRO, vba_project

        macro = {"vba_project": vba_project(standalone), "button_macro": BUTTON_MACRO}
    day = as_of or dt.date.today()
    deals = sample_deals(sample, lang, day) if sample else []
    build_workbook(path, lang, deals, sample_settings(sample, day) if sample else {}, **macro)
    if sample:
        from .backends.xlsx import XlsxWorkbook
        from .refresh import refresh

        refresh(XlsxWorkbook(path), as_of=day)
    return path
