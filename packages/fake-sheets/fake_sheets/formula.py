"""A small formula evaluator: arithmetic, text, lookups into other tabs, array formulas.

Understood: numbers, ``"text"``, ``TRUE``/``FALSE``, cell references (``B2``, ``$B$2``),
ranges (``A1:B4``, open ones ``A2:A`` and ``A:E``), other tabs' cells
(``'My Tab'!A:E``), ``+ - * / ^ & %``, comparisons (``= <> < > <= >=``), parentheses and
``SUM``, ``MIN``, ``MAX``, ``AVERAGE``, ``COUNT``, ``IF``, ``IFERROR``, exact ``VLOOKUP``
and ``ARRAYFORMULA``. An array formula is evaluated one row at a time (see
:class:`ArrayRow`): a one-column range starting in the formula's own row stands for the
cell of the row being computed. Anything else raises :class:`Unsupported`; the caller then
falls back to the cell's last known value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .a1 import column_index

Value = str | float | bool
Lookup = Callable[[int, int], Value | None]


@dataclass
class Tab:
    """What a formula sees of a tab: its cells' values, its row count, its filled rows."""

    lookup: Lookup
    rows: int
    filled: Callable[[int], list[int]]  # the rows holding a cell in a column, in order
    lookups: dict[tuple[int, int, int], dict[object, int]] = field(default_factory=dict)


#: Finds another tab by title (None: the formula's own tab); None when there is none.
Tabs = Callable[[str | None], Tab | None]


@dataclass(frozen=True)
class ArrayRow:
    """The row an array formula is computed for: ``anchor`` is the formula's own row."""

    anchor: int
    row: int

_TOKEN_RE = re.compile(
    r"\s*(?:"
    r"(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)"
    r'|(?P<str>"(?:[^"]|"")*")'
    r"|(?P<ref>(?:'(?:[^']|'')*'!|[A-Za-z_][A-Za-z0-9_]*!)?"
    r"(?:\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d*)?|\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}\$?\d*))"
    r"(?!\s*\()"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<op><>|<=|>=|[-+*/^&(),%=<>])"
    r")",
)
_REF_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d*)")


class Unsupported(Exception):
    """The formula uses something this evaluator does not know."""


class FormulaError(Exception):
    """The formula evaluates to an error value such as ``#DIV/0!``."""


@dataclass(frozen=True)
class _Range:
    start_row: int
    end_row: int
    start_col: int
    end_col: int
    sheet: str | None = None
    open_end: bool = False


@dataclass(frozen=True)
class _Error:
    """An error value passed to a function (only IFERROR and IF's other branch survive it)."""

    code: str


def evaluate(formula: str, lookup: Lookup, tabs: Tabs | None = None,
             array: ArrayRow | None = None) -> Value:
    """Evaluate ``=...`` with ``lookup(row, col)`` giving the value of another cell.

    ``tabs`` finds other tabs for references such as ``'Focus'!A:E``; ``array`` computes an
    array formula for one of its rows.
    """
    tokens = _tokenize(formula[1:] if formula.startswith("=") else formula)
    parser = _Parser(tokens, lookup, tabs, array)
    try:
        result = parser.comparison()
        if parser.pos != len(tokens):
            raise Unsupported(formula)
        if isinstance(result, _Range):
            return parser._value(result)
        if isinstance(result, float) and not math.isfinite(result):
            raise FormulaError("#NUM!")
        return result
    except FormulaError as error:
        return str(error)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            raise Unsupported(text)
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _to_number(value: Value | None) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, str):
        if value.startswith("#"):
            raise FormulaError(value)
        try:
            return float(value)
        except ValueError:
            raise FormulaError("#VALUE!") from None
    return float(value)


def _scalar(rng: _Range, lookup: Lookup) -> Value:
    if rng.end_row - rng.start_row == 1 and rng.end_col - rng.start_col == 1:
        value = lookup(rng.start_row, rng.start_col)
        return 0.0 if value is None else value
    raise FormulaError("#VALUE!")


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], lookup: Lookup, tabs: Tabs | None = None,
                 array: ArrayRow | None = None) -> None:
        self.tokens = tokens
        self.pos = 0
        self.lookup = lookup
        self.tabs = tabs
        self.array = array

    def _tab(self, title: str | None) -> Tab:
        tab = self.tabs(title) if self.tabs is not None else None
        if tab is None:
            if title is not None:
                raise FormulaError("#REF!")
            return Tab(self.lookup, 1_000_000, lambda col: [])
        return tab

    def _bounded(self, rng: _Range) -> _Range:
        """An open range (``A2:A``) closed at the last row of its tab."""
        if not rng.open_end:
            return rng
        rows = self._tab(rng.sheet).rows
        return _Range(rng.start_row, rows, rng.start_col, rng.end_col, rng.sheet)

    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise Unsupported("unexpected end")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _value(self, item: Value | _Range) -> Value:
        if not isinstance(item, _Range):
            return item
        if (self.array is not None and item.end_col - item.start_col == 1
                and item.start_row == self.array.anchor and item.sheet is None):
            value = self.lookup(self.array.row, item.start_col)  # this row's cell
            return "" if value is None else value
        return _scalar(self._bounded(item), self._tab(item.sheet).lookup)

    def comparison(self) -> Value | _Range:
        left = self.concat()
        while self._peek() in ("=", "<>", "<", ">", "<=", ">="):
            op = self._take()[1]
            a, b = self._value(left), self._value(self.concat())
            if isinstance(a, str) or isinstance(b, str):
                x: float | str = str(a).lower()
                y: float | str = str(b).lower()
            else:
                x, y = _to_number(a), _to_number(b)
            left = {
                "=": x == y,
                "<>": x != y,
                "<": x < y,  # type: ignore[operator]
                ">": x > y,  # type: ignore[operator]
                "<=": x <= y,  # type: ignore[operator]
                ">=": x >= y,  # type: ignore[operator]
            }[op]
        return left

    def concat(self) -> Value | _Range:
        left = self.additive()
        while self._peek() == "&":
            self._take()
            right = self._value(self.additive())
            left = _text(self._value(left)) + _text(right)
        return left

    def additive(self) -> Value | _Range:
        left = self.term()
        while self._peek() in ("+", "-"):
            op = self._take()[1]
            a, b = _to_number(self._value(left)), _to_number(self._value(self.term()))
            left = a + b if op == "+" else a - b
        return left

    def term(self) -> Value | _Range:
        left = self.power()
        while self._peek() in ("*", "/"):
            op = self._take()[1]
            a, b = _to_number(self._value(left)), _to_number(self._value(self.power()))
            if op == "/" and b == 0:
                raise FormulaError("#DIV/0!")
            left = a * b if op == "*" else a / b
        return left

    def power(self) -> Value | _Range:
        left = self.unary()
        while self._peek() == "^":
            self._take()
            a, b = _to_number(self._value(left)), _to_number(self._value(self.unary()))
            try:
                left = float(a**b)
            except (OverflowError, ZeroDivisionError, TypeError):
                raise FormulaError("#NUM!") from None
        return left

    def unary(self) -> Value | _Range:
        if self._peek() in ("-", "+"):
            op = self._take()[1]
            value = _to_number(self._value(self.unary()))
            return -value if op == "-" else value
        item = self.primary()
        while self._peek() == "%":
            self._take()
            item = _to_number(self._value(item)) / 100
        return item

    def primary(self) -> Value | _Range:
        kind, text = self._take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            return _parse_ref(text)
        if kind == "name":
            upper = text.upper()
            if upper in ("TRUE", "FALSE") and self._peek() != "(":
                return upper == "TRUE"
            return self._call(upper)
        if text == "(":
            inner = self.comparison()
            if self._take()[1] != ")":
                raise Unsupported("missing )")
            return inner
        raise Unsupported(text)

    def _call(self, name: str) -> Value:
        if self._take()[1] != "(":
            raise Unsupported(name)
        args: list[Value | _Range | _Error] = []
        if self._peek() != ")":
            args.append(self._argument())
            while self._peek() == ",":
                self._take()
                args.append(self._argument())
        if self._take()[1] != ")":
            raise Unsupported(name)
        if name in ("IF", "IFERROR", "VLOOKUP", "ARRAYFORMULA"):
            return self._logical(name, args)
        for arg in args:
            if isinstance(arg, _Error):
                raise FormulaError(arg.code)
        numbers = [n for arg in args for n in self._numbers(arg)]  # type: ignore[arg-type]
        if name == "SUM":
            return float(sum(numbers))
        if name == "COUNT":
            return float(len(numbers))
        if name in ("MIN", "MAX"):
            return float((min if name == "MIN" else max)(numbers)) if numbers else 0.0
        if name == "AVERAGE":
            if not numbers:
                raise FormulaError("#DIV/0!")
            return float(sum(numbers) / len(numbers))
        raise Unsupported(name)

    def _argument(self) -> Value | _Range | _Error:
        """One function argument; an error in it becomes an error value, the rest skipped."""
        start = self.pos
        try:
            return self.comparison()
        except FormulaError as error:
            self.pos = start
            depth = 0
            while self.pos < len(self.tokens):
                text = self.tokens[self.pos][1]
                if depth == 0 and text in (",", ")"):
                    break
                depth += {"(": 1, ")": -1}.get(text, 0)
                self.pos += 1
            return _Error(str(error))

    def _logical(self, name: str, args: list[Value | _Range | _Error]) -> Value:
        def value(arg: Value | _Range | _Error) -> Value:
            if isinstance(arg, _Error):
                raise FormulaError(arg.code)
            return self._value(arg)

        if name == "ARRAYFORMULA" and len(args) == 1:
            return value(args[0])
        if name == "IFERROR" and len(args) in (1, 2):
            first = args[0]
            if isinstance(first, _Error):
                return value(args[1]) if len(args) == 2 else ""
            result = self._value(first)
            if isinstance(result, str) and result.startswith("#"):
                return value(args[1]) if len(args) == 2 else ""
            return result
        if name == "IF" and len(args) in (2, 3):
            chosen = args[1] if _truthy(value(args[0])) else (args[2] if len(args) == 3 else False)
            return value(chosen)
        if name == "VLOOKUP" and len(args) in (3, 4):
            return self._vlookup(value(args[0]), args[1], int(_to_number(value(args[2]))),
                                 value(args[3]) if len(args) == 4 else True)
        raise Unsupported(name)

    def _vlookup(self, key: Value, table: Value | _Range | _Error, column: int,
                 approximate: Value) -> Value:
        """Exact VLOOKUP: the first row whose first cell equals ``key`` (text in any case)."""
        if not isinstance(table, _Range) or _truthy(approximate):
            raise Unsupported("VLOOKUP")
        rng = self._bounded(table)
        if not 1 <= column <= rng.end_col - rng.start_col:
            raise FormulaError("#REF!")
        tab = self._tab(rng.sheet)
        index_key = (rng.start_col, rng.start_row, rng.end_row)
        index = tab.lookups.get(index_key)
        if index is None:
            index = {}
            for row in tab.filled(rng.start_col):
                if rng.start_row <= row < rng.end_row:
                    index.setdefault(_match_key(tab.lookup(row, rng.start_col)), row)
            tab.lookups[index_key] = index
        hit = index.get(_match_key(key))
        if hit is None:
            raise FormulaError("#N/A")
        found = tab.lookup(hit, rng.start_col + column - 1)
        return "" if found is None else found

    def _numbers(self, arg: Value | _Range) -> list[float]:
        if not isinstance(arg, _Range):
            return [_to_number(arg)]
        arg = self._bounded(arg)
        lookup = self._tab(arg.sheet).lookup
        numbers: list[float] = []
        for row in range(arg.start_row, arg.end_row):
            for col in range(arg.start_col, arg.end_col):
                value = lookup(row, col)
                if isinstance(value, str) and value.startswith("#"):
                    raise FormulaError(value)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    numbers.append(float(value))
        return numbers


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return f"{value:.15g}"
    return value


def _truthy(value: Value) -> bool:
    if isinstance(value, str):
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        if value.startswith("#"):
            raise FormulaError(value)
        raise FormulaError("#VALUE!")
    return bool(value)


def _match_key(value: Value | None) -> object:
    if value is None or value == "":
        return ("blank",)
    if isinstance(value, str):
        return value.casefold()
    return float(value)


def _parse_ref(text: str) -> _Range:
    sheet: str | None = None
    if "!" in text:
        title, text = text.rsplit("!", 1)
        sheet = title[1:-1].replace("''", "'") if title.startswith("'") else title
    parts = [(m[2], column_index(m[1])) for m in _REF_RE.finditer(text)]
    (d1, c1), (d2, c2) = parts[0], parts[-1]
    r1 = int(d1) - 1 if d1 else 0
    open_end = not d2
    r2 = int(d2) - 1 if d2 else r1
    return _Range(min(r1, r2), max(r1, r2) + 1, min(c1, c2), max(c1, c2) + 1, sheet, open_end)
