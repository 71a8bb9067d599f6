"""Number formats: what a typed text means (USER_ENTERED) and how a number is shown.

Dates are serial numbers: days since 1899-12-30, the fraction being the time of day. A cell's
``numberFormat`` (``{"type": "DATE", "pattern": "yyyy-mm-dd"}``) decides how the number is
shown. Only the common pattern tokens are understood (``yyyy yy MMMM MMM MM M dd d HH H hh h
mm m ss am/pm`` for dates; ``0 # , . %`` and literal text for numbers).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

SERIAL_EPOCH = dt.datetime(1899, 12, 30)
DATE_TYPES = frozenset({"DATE", "TIME", "DATE_TIME"})
DEFAULT_PATTERNS = {
    "DATE": "M/d/yyyy",
    "TIME": "h:mm:ss am/pm",
    "DATE_TIME": "M/d/yyyy H:mm:ss",
    "NUMBER": "#,##0.00",
    "PERCENT": "0.00%",
    "CURRENCY": '"$"#,##0.00',
    "SCIENTIFIC": "0.00E+00",
}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

Scalar = str | int | float | bool


def to_serial(value: dt.date | dt.datetime | dt.time) -> float:
    """The serial number of a date, a date-time or a time of day."""
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - SERIAL_EPOCH
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    if isinstance(value, dt.date):
        return float((value - SERIAL_EPOCH.date()).days)
    return (value.hour * 3600 + value.minute * 60 + value.second) / 86400


def from_serial(serial: float) -> dt.datetime:
    """The date-time of a serial number, rounded to the second."""
    return SERIAL_EPOCH + dt.timedelta(seconds=round(serial * 86400))


def json_number(value: float) -> int | float:
    """A number as the API writes it in JSON: integral values without a fraction."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if math.isfinite(value) and value == int(value) and abs(value) < 2**53:
        return int(value)
    return value


# --- USER_ENTERED parsing -------------------------------------------------------------------

_NUMBER_RE = re.compile(
    r"^([-+]?)(\$?)((?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?(?:[eE][-+]?\d+)?)(%?)$"
)
_ISO_DATE_RE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$",
)
_US_DATE_RE = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$",
)
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_user_entered(text: str) -> tuple[dict[str, Any], dict[str, str] | None]:
    """Interpret text typed into a cell.

    Returns the ``userEnteredValue`` and, when the text implies one (a date, a percentage, a
    currency amount), the ``numberFormat`` the cell gets.
    """
    if text.startswith("=") and len(text) > 1:
        return {"formulaValue": text}, None
    if text.startswith("'"):
        return {"stringValue": text[1:]}, None
    stripped = text.strip()
    if stripped.upper() in ("TRUE", "FALSE"):
        return {"boolValue": stripped.upper() == "TRUE"}, None
    parsed_date = _parse_date(stripped)
    if parsed_date is not None:
        return {"numberValue": json_number(parsed_date[0])}, parsed_date[1]
    number = _parse_number(stripped)
    if number is not None:
        return {"numberValue": json_number(number[0])}, number[1]
    return {"stringValue": text}, None


def _parse_number(text: str) -> tuple[float, dict[str, str] | None] | None:
    match = _NUMBER_RE.match(text)
    if not match or not any(ch.isdigit() for ch in match.group(3)):
        return None
    sign, currency, digits, percent = match.groups()
    value = float(digits.replace(",", ""))
    if sign == "-":
        value = -value
    decimals = len(digits.partition(".")[2]) if "." in digits and "e" not in digits.lower() else 0
    if percent:
        pattern = "0%" if decimals == 0 else "0." + "0" * min(decimals, 2) + "%"
        return value / 100, {"type": "PERCENT", "pattern": pattern}
    if currency:
        return value, {"type": "CURRENCY", "pattern": '"$"#,##0.00'}
    if "," in digits:
        pattern = "#,##0" if decimals == 0 else "#,##0." + "0" * decimals
        return value, {"type": "NUMBER", "pattern": pattern}
    return value, None


def _parse_date(text: str) -> tuple[float, dict[str, str]] | None:
    try:
        match = _ISO_DATE_RE.match(text)
        if match:
            year, month, day = int(match[1]), int(match[2]), int(match[3])
            date_pattern = "yyyy-mm-dd"
        elif match := _US_DATE_RE.match(text):
            month, day, year = int(match[1]), int(match[2]), int(match[3])
            date_pattern = "M/d/yyyy"
        elif match := _TIME_RE.match(text):
            time = dt.time(int(match[1]), int(match[2]), int(match[3] or 0))
            return to_serial(time), {"type": "TIME", "pattern": "h:mm:ss am/pm"}
        else:
            return None
        if match[4] is None:
            return to_serial(dt.date(year, month, day)), {"type": "DATE", "pattern": date_pattern}
        moment = dt.datetime(year, month, day, int(match[4]), int(match[5]), int(match[6] or 0))
        pattern = date_pattern + " H:mm:ss"
        return to_serial(moment), {"type": "DATE_TIME", "pattern": pattern}
    except ValueError:
        return None


# --- formatting ------------------------------------------------------------------------------


def format_general(value: float) -> str:
    """A number without a number format, as Sheets shows it (``53``, ``1.5``, ``0.12``)."""
    if value == 0:
        return "0"
    if abs(value) >= 1e15 or abs(value) < 1e-10:
        mantissa, _, exponent = f"{value:.5E}".partition("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}E{exponent[0]}{exponent[1:].lstrip('0').zfill(2)}"
    rounded = float(f"{value:.15g}")
    text = f"{rounded:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def is_date_format(number_format: dict[str, Any] | None) -> bool:
    """True when the format shows a number as a date, a time or both."""
    return number_format is not None and number_format.get("type") in DATE_TYPES


def format_number(value: float, number_format: dict[str, Any] | None) -> str:
    """Show a number with a cell's ``numberFormat`` (general format when there is none)."""
    if not number_format or number_format.get("type") in (None, "TEXT"):
        pattern = (number_format or {}).get("pattern")
        if not pattern or pattern in ("General", "@"):
            return format_general(value)
    else:
        pattern = number_format.get("pattern") or DEFAULT_PATTERNS.get(number_format["type"], "")
    if not pattern:
        return format_general(value)
    if (number_format or {}).get("type") in DATE_TYPES or _has_date_tokens(pattern):
        return format_date(value, pattern)
    return _format_with_pattern(value, pattern)


def _has_date_tokens(pattern: str) -> bool:
    bare = re.sub(r'"[^"]*"|\\.', "", pattern)
    return bool(re.search(r"[yMdHhs]", bare))


_DATE_TOKEN_RE = re.compile(
    r'"[^"]*"|\\.|am/pm|AM/PM|a/p|A/P|yyyy|yy|y|MMMM|MMM|MM|M|mmmm|mmm|mm|m|dddd|ddd|dd|d'
    r"|HH|H|hh|h|ss|s|.",
)


def format_date(serial: float, pattern: str) -> str:
    """Show a serial number with a date/time pattern such as ``yyyy-mm-dd`` or ``M/d/yyyy``."""
    moment = from_serial(serial)
    tokens = _DATE_TOKEN_RE.findall(pattern)
    twelve_hour = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    out: list[str] = []
    for i, token in enumerate(tokens):
        lower = token.lower()
        if token.startswith('"'):
            out.append(token[1:-1])
        elif token.startswith("\\"):
            out.append(token[1:])
        elif lower in ("yyyy", "y"):
            out.append(f"{moment.year:04d}")
        elif lower == "yy":
            out.append(f"{moment.year % 100:02d}")
        elif token in ("mmmm", "MMMM"):
            out.append(MONTHS[moment.month - 1])
        elif token in ("mmm", "MMM"):
            out.append(MONTHS[moment.month - 1][:3])
        elif token in ("MM", "M") or (lower in ("mm", "m") and not _is_minute(tokens, i)):
            out.append(f"{moment.month:0{len(token)}d}")
        elif lower in ("mm", "m"):
            out.append(f"{moment.minute:0{len(token)}d}")
        elif lower == "dddd":
            out.append(DAYS[moment.weekday()])
        elif lower == "ddd":
            out.append(DAYS[moment.weekday()][:3])
        elif lower in ("dd", "d"):
            out.append(f"{moment.day:0{len(token)}d}")
        elif lower in ("hh", "h"):
            hour = moment.hour % 12 or 12 if twelve_hour else moment.hour
            out.append(f"{hour:0{len(token)}d}")
        elif lower in ("ss", "s"):
            out.append(f"{moment.second:0{len(token)}d}")
        elif lower in ("am/pm", "a/p"):
            marker = "AM" if moment.hour < 12 else "PM"
            out.append(marker if lower == "am/pm" else marker[0])
        else:
            out.append(token)
    return "".join(out)


def _is_minute(tokens: list[str], i: int) -> bool:
    """``m``/``mm`` means minutes right after an hour or right before seconds."""
    for j in range(i - 1, -1, -1):
        if tokens[j].lower() in ("h", "hh"):
            return True
        if re.fullmatch(r"[A-Za-z]+", tokens[j]):
            break
    for j in range(i + 1, len(tokens)):
        if tokens[j].lower() in ("s", "ss"):
            return True
        if re.fullmatch(r"[A-Za-z]+", tokens[j]):
            break
    return False


_NUMBER_CORE_RE = re.compile(r"[0#?][0#?,]*(?:\.[0#?]*)?(?:[eE][+-]?0+)?|\.[0#?]+")


def _format_with_pattern(value: float, pattern: str) -> str:
    sections = _split_sections(pattern)
    section = sections[0]
    if value < 0 and len(sections) > 1:
        section, value = sections[1], -value
    elif value == 0 and len(sections) > 2:
        section = sections[2]
    match = _NUMBER_CORE_RE.search(section)
    if not match:
        return _literal(section)
    prefix, core, suffix = section[: match.start()], match.group(), section[match.end() :]
    if "%" in prefix + suffix:
        value *= 100
    negative = value < 0
    value = abs(value)
    int_part, _, frac_part = core.partition(".")
    exponent_match = re.search(r"[eE][+-]?0+$", frac_part or int_part)
    if exponent_match:
        decimals = len(re.sub(r"[eE].*", "", frac_part))
        text = f"{value:.{decimals}E}"
        mantissa, _, exponent = text.partition("E")
        digits = len(exponent_match.group()) - 2
        text = f"{mantissa}E{exponent[0]}{exponent[1:].lstrip('0').zfill(digits)}"
    else:
        max_decimals = len(frac_part)
        min_decimals = frac_part.count("0")
        step = Decimal(1).scaleb(-max_decimals)
        text = format(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP), "f")
        whole, _, fraction = text.partition(".")
        while len(fraction) > min_decimals and fraction.endswith("0"):
            fraction = fraction[:-1]
        min_int = int_part.replace(",", "").count("0")
        whole = whole.lstrip("0").rjust(min_int, "0")
        if "," in int_part and whole:
            whole = f"{int(whole):,}"
        text = whole + ("." + fraction if fraction else "")
    has_digits = any(ch in "123456789" for ch in text.partition("E")[0])
    sign = "-" if negative and len(sections) == 1 and has_digits else ""
    return sign + _literal(prefix) + text + _literal(suffix)


def _split_sections(pattern: str) -> list[str]:
    sections: list[str] = []
    current = ""
    quoted = False
    for char in pattern:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            sections.append(current)
            current = ""
        else:
            current += char
    sections.append(current)
    return sections


def _literal(text: str) -> str:
    text = re.sub(r'"([^"]*)"', r"\1", text)
    text = re.sub(r"\\(.)", r"\1", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    return text.replace("_)", "").replace("*", "")
