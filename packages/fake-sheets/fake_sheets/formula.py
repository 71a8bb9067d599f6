"""A small formula evaluator, enough for arithmetic on numbers and cells of the same sheet.

Understood: numbers, ``"text"``, ``TRUE``/``FALSE``, cell references (``B2``, ``$B$2``),
``+ - * / ^ & %``, comparisons (``= <> < > <= >=``), parentheses and ``SUM``, ``MIN``,
``MAX``, ``AVERAGE``, ``COUNT`` over cells and ranges. Anything else raises
:class:`Unsupported`; the caller then falls back to the cell's last known value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from .a1 import column_index

Value = str | float | bool
Lookup = Callable[[int, int], Value | None]

_TOKEN_RE = re.compile(
    r"\s*(?:"
    r"(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)"
    r'|(?P<str>"(?:[^"]|"")*")'
    r"|(?P<ref>\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)(?!\s*\()"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<op><>|<=|>=|[-+*/^&(),%=<>])"
    r")",
)
_REF_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


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


def evaluate(formula: str, lookup: Lookup) -> Value:
    """Evaluate ``=...`` with ``lookup(row, col)`` giving the value of another cell."""
    tokens = _tokenize(formula[1:] if formula.startswith("=") else formula)
    parser = _Parser(tokens, lookup)
    try:
        result = parser.comparison()
        if parser.pos != len(tokens):
            raise Unsupported(formula)
        if isinstance(result, _Range):
            return _scalar(result, lookup)
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
    def __init__(self, tokens: list[tuple[str, str]], lookup: Lookup) -> None:
        self.tokens = tokens
        self.pos = 0
        self.lookup = lookup

    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise Unsupported("unexpected end")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _value(self, item: Value | _Range) -> Value:
        return _scalar(item, self.lookup) if isinstance(item, _Range) else item

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
        args: list[Value | _Range] = []
        if self._peek() != ")":
            args.append(self.comparison())
            while self._peek() == ",":
                self._take()
                args.append(self.comparison())
        if self._take()[1] != ")":
            raise Unsupported(name)
        numbers = [n for arg in args for n in self._numbers(arg)]
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

    def _numbers(self, arg: Value | _Range) -> list[float]:
        if not isinstance(arg, _Range):
            return [_to_number(arg)]
        numbers: list[float] = []
        for row in range(arg.start_row, arg.end_row):
            for col in range(arg.start_col, arg.end_col):
                value = self.lookup(row, col)
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


def _parse_ref(text: str) -> _Range:
    cells = [(int(m[2]) - 1, column_index(m[1])) for m in _REF_RE.finditer(text)]
    (r1, c1), (r2, c2) = cells[0], cells[-1]
    return _Range(min(r1, r2), max(r1, r2) + 1, min(c1, c2), max(c1, c2) + 1)
