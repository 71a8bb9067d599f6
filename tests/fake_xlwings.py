"""A small offline stand-in for the parts of xlwings that the Excel backend uses.

It behaves like Excel where that matters to sheets-funnel:

* assigning a ``str`` to a cell whose number format is General is read the way
  Excel reads typed input: ``"=..."``, ``"+1 555"``, ``"-x"`` and ``"@SUM(..)"``
  become formulas, ``"2026-01-01"`` becomes a date, ``"42"`` a number,
  ``"50%"`` a percentage, ``"TRUE"`` a boolean, and a leading apostrophe is
  dropped; with the Text format ``"@"`` the string is kept as it is;
* numbers are stored as floats and dates as ``datetime``, as Excel does, and
  ``used_range`` covers the cells with content or a number format, so it need
  not start at A1;
* every sheet counts its value reads, value writes and format writes (number
  format, bold),
  and ``fail_on_write`` makes the next value write raise, to test recovery.

Use :func:`book_from_xlsx` to load a workbook file into a fake book and
:func:`as_module` to stand in for the ``xlwings`` module itself.
"""

from __future__ import annotations

import datetime as dt
import re
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GENERAL = "General"
TEXT = "@"
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATES = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), (0, 1, 2)),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), (2, 0, 1)),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), (2, 1, 0)),
)
ERROR_CODES = {"#NAME?": -2146826259, "#NULL!": -2146826288, "#N/A": -2146826246}


@dataclass
class CellError:
    """An error value such as ``#NAME?`` left by a formula Excel could not work out."""

    text: str


@dataclass
class Cell:
    """One cell: its value, the formula that produced it, and its number format."""

    value: Any = None
    formula: str | None = None
    number_format: str = GENERAL
    bold: bool = False


def _typed_input(text: str) -> tuple[Any, str | None, str | None]:
    """What Excel makes of text put in a General cell: (value, formula, new number format)."""
    if text.startswith("'"):
        return text[1:], None, None
    stripped = text.strip()
    if _NUMBER.match(stripped):
        return float(stripped), None, None
    if stripped.endswith("%") and _NUMBER.match(stripped[:-1]):
        return float(stripped[:-1]) / 100, None, "0%"
    if text[:1] in "=+-@" and len(text) > 1:
        formula = text if text.startswith("=") else "=" + text
        return CellError("#NAME?"), formula, None
    if stripped.upper() in ("TRUE", "FALSE"):
        return stripped.upper() == "TRUE", None, None
    for pattern, order in _DATES:
        match = pattern.match(stripped)
        if match:
            parts = [int(p) for p in match.groups()]
            try:
                day = dt.datetime(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                break
            return day, None, "m/d/yyyy"
    return text, None, None


class App:
    """The Excel application: screen updating, calculation mode, status bar and alerts."""

    def __init__(self) -> None:
        self.screen_updating = True
        self.calculation = "automatic"
        self.status_bar: str | bool = False
        self.alerts: list[dict[str, Any]] = []
        self.books: list[Book] = []

    def alert(
        self,
        prompt: str,
        title: str | None = None,
        buttons: str = "ok",
        mode: str | None = None,
        callback: str | None = None,
    ) -> str:
        """Record a message box and answer it with "ok"."""
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        return "ok"


class LiteApp(App):
    """Excel as xlwings Lite sees it: screen updating can be set but not read, no status bar."""

    def __init__(self) -> None:  # no super().__init__(): these settings are not readable
        self.calculation = "automatic"
        self.alerts = []
        self.books = []
        self.screen_updating_set: list[bool] = []

    @property
    def screen_updating(self) -> bool:
        raise NotImplementedError("App.screen_updating can't be read on this engine")

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        self.screen_updating_set.append(value)

    @property
    def status_bar(self) -> str | bool:
        raise NotImplementedError("App.status_bar isn't supported on this engine")

    @status_bar.setter
    def status_bar(self, value: str | bool) -> None:
        raise NotImplementedError("App.status_bar isn't supported on this engine")


class Book:
    """A workbook: a name, its sheets and the application it is open in."""

    def __init__(self, name: str = "Book1.xlsm", app: App | None = None) -> None:
        self.name = name
        self.app = app or App()
        self.app.books.append(self)
        self.sheets = Sheets(self)

    def __repr__(self) -> str:
        return f"<Book [{self.name}]>"


class Sheets:
    """The sheets of a book, by 0-based index (negative allowed) or name (any case)."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self._items: list[Sheet] = []

    def __iter__(self) -> Iterator[Sheet]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, key: int | str) -> Sheet:
        if isinstance(key, int):
            return self._items[key]
        for sheet in self._items:
            if sheet.name.casefold() == key.casefold():
                return sheet
        raise ValueError(f"Sheet '{key}' doesn't exist!")

    def add(
        self, name: str | None = None, before: Sheet | None = None, after: Sheet | None = None
    ) -> Sheet:
        """Add a sheet (named like Excel's default when no name is given) and return it."""
        name = name or f"Sheet{len(self._items) + 1}"
        if any(s.name.casefold() == name.casefold() for s in self._items):
            raise ValueError(f"Sheet named '{name}' already present in workbook")
        sheet = Sheet(self.book, name)
        if before is not None:
            self._items.insert(self._items.index(before), sheet)
        elif after is not None:
            self._items.insert(self._items.index(after) + 1, sheet)
        else:
            self._items.insert(0, sheet)
        return sheet


class Sheet:
    """A worksheet holding cells by (row, column), both from 1."""

    def __init__(self, book: Book, name: str) -> None:
        self.book = book
        self.name = name
        self.cells_by_pos: dict[tuple[int, int], Cell] = {}
        self.visible = True
        self.reads = 0
        self.writes = 0
        self.format_writes = 0
        self.fail_on_write: Exception | None = None

    def __repr__(self) -> str:
        return f"<Sheet [{self.book.name}]{self.name}>"

    def range(self, cell1: str | tuple[int, int], cell2: tuple[int, int] | None = None) -> Range:
        """A range from an A1 address (``"A1"``, ``"B2:D9"``) or (row, column) corners."""
        if isinstance(cell1, str):
            first, _, last = cell1.partition(":")
            (r1, c1), (r2, c2) = _a1(first), _a1(last or first)
        else:
            (r1, c1), (r2, c2) = cell1, cell2 or cell1
        return Range(self, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    def __getitem__(self, address: str) -> Range:
        return self.range(address)

    @property
    def cells(self) -> Range:
        """Every cell of the sheet."""
        return Range(self, 1, 1, 1048576, 16384)

    @property
    def used_range(self) -> Range:
        """The smallest block holding every cell with content or a number format (A1 if none)."""
        used = [
            pos
            for pos, c in self.cells_by_pos.items()
            if c.value is not None or c.formula is not None or c.number_format != GENERAL
        ]
        if not used:
            return Range(self, 1, 1, 1, 1)
        rows = [r for r, _ in used]
        cols = [c for _, c in used]
        return Range(self, min(rows), min(cols), max(rows), max(cols))

    def clear_contents(self) -> None:
        """Clear every value and formula, keeping number formats."""
        self.cells.clear_contents()

    def cell(self, row: int, column: int) -> Cell:
        """The cell at (row, column), created blank when missing."""
        return self.cells_by_pos.setdefault((row, column), Cell())


class Range:
    """A block of cells with xlwings-style ``value``, ``options`` and ``number_format``."""

    def __init__(
        self,
        sheet: Sheet,
        r1: int,
        c1: int,
        r2: int,
        c2: int,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.sheet = sheet
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2
        self._options = options or {}

    def __repr__(self) -> str:
        return f"<Range [{self.sheet.book.name}]{self.sheet.name}!{self.address}>"

    @property
    def row(self) -> int:
        """The first row (from 1)."""
        return self.r1

    @property
    def column(self) -> int:
        """The first column (from 1)."""
        return self.c1

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.r2 - self.r1 + 1, self.c2 - self.c1 + 1

    @property
    def address(self) -> str:
        """The absolute A1 address, e.g. ``$A$1:$C$4``."""
        first = f"${_letters(self.c1)}${self.r1}"
        return first if self.shape == (1, 1) else f"{first}:${_letters(self.c2)}${self.r2}"

    @property
    def last_cell(self) -> Range:
        """The bottom-right cell."""
        return Range(self.sheet, self.r2, self.c2, self.r2, self.c2, self._options)

    def options(self, convert: Any = None, **options: Any) -> Range:
        """This range read and written with options: ndim, numbers, dates, empty, err_to_str."""
        return Range(self.sheet, self.r1, self.c1, self.r2, self.c2, {**self._options, **options})

    def expand(self, mode: str = "table") -> Range:
        """Grow down and right while the next cell is not empty, like Ctrl+Shift+End."""
        r2, c2 = self.r1, self.c1
        if mode in ("table", "down", "d"):
            while self._filled(r2 + 1, self.c1):
                r2 += 1
        if mode in ("table", "right", "r"):
            while self._filled(self.r1, c2 + 1):
                c2 += 1
        return Range(self.sheet, self.r1, self.c1, r2, c2, self._options)

    def _filled(self, row: int, column: int) -> bool:
        cell = self.sheet.cells_by_pos.get((row, column))
        return cell is not None and (cell.value is not None or cell.formula is not None)

    @property
    def value(self) -> Any:
        """The cell values: a scalar for one cell, a list for one row or column, else rows."""
        self.sheet.reads += 1
        rows = [
            [self._read(self.sheet.cells_by_pos.get((r, c))) for c in range(self.c1, self.c2 + 1)]
            for r in range(self.r1, self.r2 + 1)
        ]
        if self._options.get("ndim") == 2:
            return rows
        if self.shape == (1, 1):
            return rows[0][0]
        if self.shape[0] == 1 or self.shape[1] == 1:
            return [v for row in rows for v in row]
        return rows

    @value.setter
    def value(self, data: Any) -> None:
        self.sheet.writes += 1
        if self.sheet.fail_on_write is not None:
            error, self.sheet.fail_on_write = self.sheet.fail_on_write, None
            raise error
        rows = (
            data
            if isinstance(data, list) and data and isinstance(data[0], list)
            else ([data] if isinstance(data, list) else [[data]])
        )
        for r, row in enumerate(rows, start=self.r1):
            for c, item in enumerate(row, start=self.c1):
                self._assign(self.sheet.cell(r, c), item)

    def _read(self, cell: Cell | None) -> Any:
        value = None if cell is None else cell.value
        if value is None:
            return self._options.get("empty")
        if isinstance(value, CellError):
            return value.text if self._options.get("err_to_str") else ERROR_CODES[value.text]
        if isinstance(value, float) and self._options.get("numbers") is not None:
            return self._options["numbers"](value)
        if isinstance(value, dt.datetime) and self._options.get("dates") is dt.date:
            return value.date()
        return value

    @staticmethod
    def _assign(cell: Cell, item: Any) -> None:
        cell.formula = None
        if item is None or item == "":
            cell.value = None
        elif isinstance(item, bool):
            cell.value = item
        elif isinstance(item, int | float):
            cell.value = float(item)
        elif isinstance(item, dt.date):
            cell.value = (
                item if isinstance(item, dt.datetime) else dt.datetime.combine(item, dt.time())
            )
            if cell.number_format == GENERAL:
                cell.number_format = "m/d/yyyy"
        elif isinstance(item, str) and cell.number_format == TEXT:
            cell.value = item
        elif isinstance(item, str):
            cell.value, cell.formula, fmt = _typed_input(item)
            if fmt is not None and cell.number_format == GENERAL:
                cell.number_format = fmt
        else:
            raise TypeError(f"cannot put a {type(item).__name__} in a cell")

    @property
    def formula(self) -> Any:
        """The formula of the first cell, or its value as text when it holds no formula."""
        cell = self.sheet.cells_by_pos.get((self.r1, self.c1))
        if cell is None or cell.value is None:
            return ""
        return cell.formula if cell.formula is not None else str(cell.value)

    @property
    def number_format(self) -> str:
        """The number format of the first cell."""
        cell = self.sheet.cells_by_pos.get((self.r1, self.c1))
        return GENERAL if cell is None else cell.number_format

    @number_format.setter
    def number_format(self, fmt: str) -> None:
        self.sheet.format_writes += 1
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                self.sheet.cell(r, c).number_format = fmt

    @property
    def font(self) -> Font:
        """The font of the range (only ``bold`` is modelled)."""
        return Font(self)

    def clear_contents(self) -> None:
        """Clear values and formulas, keeping number formats."""
        for (r, c), cell in self.sheet.cells_by_pos.items():
            if self.r1 <= r <= self.r2 and self.c1 <= c <= self.c2:
                cell.value = None
                cell.formula = None


class Font:
    """The font of a range: setting ``bold`` counts as one format write."""

    def __init__(self, rng: Range) -> None:
        self._range = rng

    @property
    def bold(self) -> bool:
        """Whether the first cell is bold."""
        cell = self._range.sheet.cells_by_pos.get((self._range.r1, self._range.c1))
        return cell is not None and cell.bold

    @bold.setter
    def bold(self, value: bool) -> None:
        rng = self._range
        rng.sheet.format_writes += 1
        for r in range(rng.r1, rng.r2 + 1):
            for c in range(rng.c1, rng.c2 + 1):
                rng.sheet.cell(r, c).bold = value


def _a1(address: str) -> tuple[int, int]:
    match = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", address.strip())
    if match is None:
        raise ValueError(f"not a cell address: {address!r}")
    column = 0
    for char in match.group(1).upper():
        column = column * 26 + ord(char) - 64
    return int(match.group(2)), column


def _letters(column: int) -> str:
    text = ""
    while column:
        column, rest = divmod(column - 1, 26)
        text = chr(65 + rest) + text
    return text


def _stored(value: Any) -> Cell:
    """A cell as Excel holds a value read from a file: text stays text, numbers are floats."""
    if isinstance(value, bool | str):
        return Cell(value)
    if isinstance(value, int | float):
        return Cell(float(value))
    if isinstance(value, dt.date):
        day = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        return Cell(day, number_format="yyyy-mm-dd")
    return Cell(str(value))


def book_from_xlsx(path: str | Path, app: App | None = None) -> Book:
    """A fake book holding the values of every sheet of an .xlsx/.xlsm file."""
    from python_calamine import CalamineWorkbook

    source = CalamineWorkbook.from_path(str(path))
    book = Book(Path(path).name, app)
    for name in source.sheet_names:
        sheet = book.sheets.add(name, after=book.sheets[-1] if len(book.sheets) else None)
        values = source.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for r, row in enumerate(values, start=1):
            for c, value in enumerate(row, start=1):
                if value != "" and value is not None:
                    sheet.cells_by_pos[(r, c)] = _stored(value)
    return book


def as_module(caller: Book | None = None, app: App | None = None) -> types.ModuleType:
    """A stand-in ``xlwings`` module: ``Book.caller()`` returns ``caller``, ``apps.active``
    is its application, and ``script`` is xlwings Lite's decorator."""
    module = types.ModuleType("xlwings")
    active = app or (caller.app if caller is not None else App())

    class _Book:
        @staticmethod
        def caller() -> Book:
            if caller is None:
                raise Exception(
                    "Book.caller() must not be called directly. Call through Excel "
                    "or set a mock caller first with Book.set_mock_caller()."
                )
            return caller

    def script(func: Any = None, **config: Any) -> Any:
        """xlwings Lite's ``@script`` decorator, with or without arguments."""
        return func if func is not None else (lambda inner: inner)

    module.Book = _Book  # type: ignore[attr-defined]
    module.script = script  # type: ignore[attr-defined]
    module.apps = types.SimpleNamespace(active=active)  # type: ignore[attr-defined]
    module.__version__ = "fake"  # type: ignore[attr-defined]
    return module
