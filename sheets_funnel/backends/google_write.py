"""The owned-tab write as requests no larger than a limit, never half-visible.

A write whose single ``batchUpdate`` body fits :data:`COMPACT_LIMIT` (1 MB, or the
request limit when that is smaller) is that one request: the API applies it
entirely or not at all, so a refresh of a small pipeline costs three requests.
A larger one is written into hidden staging tabs first: one ``batchUpdate``
deletes any staging tabs a stopped write left behind, creates new ones and
gives their cells their formats (``repeatCell``, one request per rectangle of
equal format; more ``batchUpdate`` requests follow if the formats do not fit
one); then ``values:batchUpdate`` requests with ``valueInputOption=RAW`` fill
them, in chunks of whole rows within the request limit (2 MB by default,
Google's advice). RAW stores each value as it is sent, never parsed: text stays
text ("00123", "=x" and "1/2" are not read as a number, formula or date),
numbers go as JSON numbers and dates as serial numbers that take their DATE
format from the staging tab. A plain array of values is about a third of the
size of the same cells as ``updateCells`` data. Every request up to here
changes staging tabs only, so repeating one is harmless. Then one small final
request copies each staging tab over its owned tab (``copyPaste``: values and
formats, server-side) and deletes the staging tabs. The owned tabs keep their
sheet ids, so the Pipeline's Flags formula and the funnel chart keep pointing
at them, and a reader sees either the old content or the new, never a mix. If
the run stops between requests, the owned tabs are untouched and the next
write deletes the leftover staging tabs (their names start with
:data:`STAGING_PREFIX`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..cells import Cell, Rows, column_letter
from .google_cells import (
    FIELDS,
    MAX_CELLS,
    SheetInfo,
    TooManyCells,
    cell_value,
    format_requests,
    quote_tab,
    write_requests,
)
from .google_http import compact_json

#: Google's advice for the largest request body.
MAX_REQUEST_BYTES = 2_000_000
#: The smallest and largest request limits a user may set, in MB: Google refuses bodies
#: over 10 MiB; below 0.01 MB every row would be a request of its own.
REQUEST_MB_RANGE = (0.01, 10.0)
#: The largest write sent as one ``batchUpdate``; a larger one goes through staging tabs.
COMPACT_LIMIT = 1_000_000
STAGING_PREFIX = "_staging "
BATCH_UPDATE = ":batchUpdate"
VALUES_UPDATE = "/values:batchUpdate"
_VALUES_HEAD = b'{"valueInputOption":"RAW","data":['
_TAIL = b"]}"


def request_limit(megabytes: float) -> int:
    """A request size limit given in MB (1 MB = 1,000,000 bytes) as bytes; ValueError when
    it is outside :data:`REQUEST_MB_RANGE` or not a number."""
    low, high = REQUEST_MB_RANGE
    if isinstance(megabytes, bool) or not isinstance(megabytes, int | float) or not (
            low <= megabytes <= high):
        raise ValueError(f"the largest request must be from {low} to {high:g} MB, not "
                         f"{megabytes!r} (Google refuses bodies over 10 MB)")
    return round(megabytes * 1_000_000)


def is_staging(title: str) -> bool:
    """True for a tab a write in progress keeps its new content in."""
    return title.startswith(STAGING_PREFIX)


@dataclass(frozen=True)
class WriteRequest:
    """One request of a write: its path after the spreadsheet id and its JSON body."""

    path: str
    body: bytes


@dataclass(frozen=True)
class WritePlan:
    """The requests of one write, to be sent in order; ``staging`` maps the sheet ids of
    the staging tabs the first request creates to their titles (empty for a single
    request)."""

    requests: list[WriteRequest]
    staging: dict[int, str] = field(default_factory=dict)


def _pack(pieces: list[bytes], limit: int, head: bytes = b'{"requests":[') -> list[bytes]:
    """Request bodies holding ``pieces`` (serialized requests) in order, each within ``limit``
    where a single piece allows it."""
    bodies: list[bytes] = []
    batch: list[bytes] = []
    size = len(head) + len(_TAIL)
    for piece in pieces:
        if batch and size + len(piece) + 1 > limit:
            bodies.append(head + b",".join(batch) + _TAIL)
            batch, size = [], len(head) + len(_TAIL)
        batch.append(piece)
        size += len(piece) + 1
    if batch:
        bodies.append(head + b",".join(batch) + _TAIL)
    return bodies


def raw_value(value: Cell) -> str | int | float | bool:
    """A cell as ``values:batchUpdate`` takes it with RAW input: text, number (a date as
    its serial number) or boolean; "" for a blank cell."""
    entered = cell_value(value)
    if entered is None:
        return ""
    result: str | int | float | bool = next(iter(entered.values()))
    return result


def _row_values(row: Sequence[Cell]) -> bytes:
    values = [raw_value(v) for v in row]
    while values and values[-1] == "":
        values.pop()
    return compact_json(values)


def _value_range(title: str, first: int, rows: list[bytes], width: int) -> bytes:
    """One ``ValueRange``: ``rows`` (serialized) written from row ``first`` of ``title``."""
    a1 = f"{quote_tab(title)}!A{first + 1}:{column_letter(width - 1)}{first + len(rows)}"
    return (b'{"range":' + compact_json(a1) + b',"values":[' + b",".join(rows) + b"]}")


def _value_pieces(title: str, rows: Rows, width: int, budget: int) -> list[bytes]:
    """``ValueRange`` pieces holding ``rows``, each of whole rows and about ``budget`` bytes
    at most."""
    pieces: list[bytes] = []
    block: list[bytes] = []
    first = size = 0
    overhead = len(_value_range(title, len(rows), [b""], width)) + len(str(len(rows)))
    for index, row in enumerate(rows):
        data = _row_values(row)
        if block and overhead + size + len(data) + 1 > budget:
            pieces.append(_value_range(title, first, block, width))
            block, size, first = [], 0, index
        block.append(data)
        size += len(data) + 1
    if block:
        pieces.append(_value_range(title, first, block, width))
    return pieces


def write_plan(tabs: Mapping[str, Rows], sheets: list[SheetInfo],
               max_cells: int = MAX_CELLS, limit: int = MAX_REQUEST_BYTES,
               finish: Sequence[dict[str, Any]] = ()) -> WritePlan:
    """The requests of one write (see the module docstring).

    ``finish`` goes at the end of the last request, the one that makes the new content
    visible (a marker telling that this write landed).

    Raises TooManyCells when the spreadsheet would exceed ``max_cells``, staging tabs
    included.
    """
    stale = [s for s in sheets if is_staging(s.title)]
    kept = [s for s in sheets if not is_staging(s.title)]
    cleanup = [{"deleteSheet": {"sheetId": s.sheet_id}} for s in stale]
    single = min(COMPACT_LIMIT, limit)
    if _least_single_size(tabs) <= single:
        one = compact_json({"requests": [*cleanup, *write_requests(tabs, kept, max_cells),
                                         *finish]})
        if len(one) <= single:
            return WritePlan([WriteRequest(BATCH_UPDATE, one)])
    return _staged(tabs, sheets, cleanup, max_cells, limit, finish)


#: The fewest bytes a cell holding a value takes in an ``updateCells`` request.
_LEAST_CELL = len(b'{"userEnteredValue":{"numberValue":0}}')


def _least_single_size(tabs: Mapping[str, Rows]) -> int:
    """A lower bound of the single request's size, cheap to work out, so that a write far
    over the limit is not serialised once for nothing."""
    return _LEAST_CELL * sum(1 for rows in tabs.values() for row in rows for value in row
                             if value != "" and cell_value(value) is not None)


def _size(rows: Rows) -> tuple[int, int]:
    return max(len(rows), 1), max((len(r) for r in rows), default=1) or 1


def _staged(tabs: Mapping[str, Rows], sheets: list[SheetInfo], cleanup: list[dict[str, Any]],
            max_cells: int, limit: int, finish: Sequence[dict[str, Any]]) -> WritePlan:
    # new sheet ids above every id in use, the stale staging tabs' included
    next_id = max((s.sheet_id for s in sheets), default=0) + 1
    by_title = {s.title: s for s in sheets if not is_staging(s.title)}
    cells = sum(s.rows * s.columns for s in sheets if not is_staging(s.title))
    create: list[dict[str, Any]] = list(cleanup)
    formats: list[bytes] = []
    values: list[bytes] = []
    final: list[dict[str, Any]] = []
    staging: dict[int, str] = {}
    budget = max(limit * 3 // 4, limit - 65536)
    for title, rows in tabs.items():
        height, width = _size(rows)
        stage, next_id = next_id, next_id + 1
        staging[stage] = STAGING_PREFIX + title
        cells += height * width
        create.append({"addSheet": {"properties": {
            "sheetId": stage, "title": staging[stage], "hidden": True,
            "gridProperties": {"rowCount": height, "columnCount": width}}}})
        formats += [compact_json(r) for r in format_requests(stage, rows)]
        values += _value_pieces(staging[stage], rows, width, budget)
        final += _final_requests(title, by_title.get(title), stage, height, width, next_id)
        if title not in by_title:
            cells += max(height, 100) * max(width, 26)
            next_id += 1
        else:
            info = by_title[title]
            cells += max(height, info.rows) * max(width, info.columns) - info.rows * info.columns
    if cells > max_cells:
        raise TooManyCells(
            f"the refresh would take the spreadsheet to {cells:,} cells while it writes, over "
            f"Google Sheets' limit of {max_cells:,}; delete unused rows and columns or old tabs"
        )
    prepare = _pack([compact_json(r) for r in create] + formats, limit)
    requests = [WriteRequest(BATCH_UPDATE, b) for b in prepare]
    requests += [WriteRequest(VALUES_UPDATE, b) for b in _pack(values, limit, _VALUES_HEAD)]
    requests.append(WriteRequest(BATCH_UPDATE, compact_json({"requests": [*final, *finish]})))
    return WritePlan(requests, staging)


def _final_requests(title: str, info: SheetInfo | None, stage: int, height: int, width: int,
                    new_id: int) -> list[dict[str, Any]]:
    """Copy staging tab ``stage`` over the owned tab (created or grown as needed), then
    delete the staging tab."""
    requests: list[dict[str, Any]] = []
    if info is None:
        info = SheetInfo(new_id, title, max(height, 100), max(width, 26))
        requests.append({"addSheet": {"properties": {
            "sheetId": info.sheet_id, "title": title, "hidden": title.startswith("_"),
            "gridProperties": {"rowCount": info.rows, "columnCount": info.columns}}}})
    elif height > info.rows or width > info.columns:
        requests.append({"updateSheetProperties": {
            "properties": {"sheetId": info.sheet_id, "gridProperties": {
                "rowCount": max(height, info.rows), "columnCount": max(width, info.columns)}},
            "fields": "gridProperties(rowCount,columnCount)"}})
    source = {"sheetId": stage, "startRowIndex": 0, "endRowIndex": height,
              "startColumnIndex": 0, "endColumnIndex": width}
    requests += [
        {"updateCells": {"range": {"sheetId": info.sheet_id}, "fields": FIELDS}},
        {"copyPaste": {"source": source, "destination": {**source, "sheetId": info.sheet_id},
                       "pasteType": "PASTE_NORMAL", "pasteOrientation": "NORMAL"}},
        {"deleteSheet": {"sheetId": stage}},
    ]
    return requests


__all__ = ["BATCH_UPDATE", "COMPACT_LIMIT", "MAX_REQUEST_BYTES", "REQUEST_MB_RANGE",
           "STAGING_PREFIX", "VALUES_UPDATE", "WritePlan", "WriteRequest", "is_staging",
           "raw_value", "request_limit", "write_plan"]
