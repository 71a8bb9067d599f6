"""The owned-tab write as request bodies no larger than a limit, never half-visible.

A write that fits the limit (2 MB by default, Google's advice) is one
``batchUpdate``: the API applies it entirely or not at all. A larger one is
written into hidden staging tabs first: one request creates them (deleting
any a stopped write left behind), then as many requests as it takes fill
them (each only rewrites staging cells, so repeating one is harmless);
then one small final request copies each staging tab over its owned tab
(``copyPaste``: values and formats, server-side) and deletes the staging
tabs. The owned tabs keep their sheet ids, so the Pipeline's Flags formula
and the funnel chart keep pointing at them, and a reader sees either the
old content or the new, never a mix. If the run stops between requests,
the owned tabs are untouched and the next write deletes the leftover
staging tabs (their names start with :data:`STAGING_PREFIX`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..cells import Rows
from .google_cells import (
    FIELDS,
    MAX_CELLS,
    SheetInfo,
    TooManyCells,
    format_requests,
    row_data,
    write_requests,
)
from .google_http import compact_json

#: Google's advice for the largest request body.
MAX_REQUEST_BYTES = 2_000_000
STAGING_PREFIX = "_staging "
_ENVELOPE = len(b'{"requests":[]}')


def is_staging(title: str) -> bool:
    """True for a tab a write in progress keeps its new content in."""
    return title.startswith(STAGING_PREFIX)


def _pack(pieces: list[bytes], limit: int) -> list[bytes]:
    """Request bodies holding ``pieces`` (serialized requests) in order, each within ``limit``
    where a single piece allows it."""
    bodies: list[bytes] = []
    batch: list[bytes] = []
    size = _ENVELOPE
    for piece in pieces:
        if batch and size + len(piece) + 1 > limit:
            bodies.append(b'{"requests":[' + b",".join(batch) + b"]}")
            batch, size = [], _ENVELOPE
        batch.append(piece)
        size += len(piece) + 1
    if batch:
        bodies.append(b'{"requests":[' + b",".join(batch) + b"]}")
    return bodies


def _value_pieces(sheet_id: int, rows: Rows, budget: int) -> list[bytes]:
    """``updateCells`` requests setting the values of ``rows``, each about ``budget`` bytes."""
    pieces: list[bytes] = []
    block: list[bytes] = []
    first = size = 0
    for index, row in enumerate(rows):
        data = compact_json(row_data(row))
        if block and size + len(data) > budget:
            pieces.append(_updatecells(sheet_id, first, block))
            block, size, first = [], 0, index
        block.append(data)
        size += len(data) + 1
    if block:
        pieces.append(_updatecells(sheet_id, first, block))
    return pieces


def _updatecells(sheet_id: int, first_row: int, rows: list[bytes]) -> bytes:
    start = compact_json({"sheetId": sheet_id, "rowIndex": first_row, "columnIndex": 0})
    return (b'{"updateCells":{"start":' + start + b',"rows":[' + b",".join(rows)
            + b'],"fields":"userEnteredValue"}}')


def write_bodies(tabs: Mapping[str, Rows], sheets: list[SheetInfo],
                 max_cells: int = MAX_CELLS, limit: int = MAX_REQUEST_BYTES,
                 finish: Sequence[dict[str, Any]] = ()) -> list[bytes]:
    """The request bodies of one write, to be sent in order (see the module docstring).

    ``finish`` goes at the end of the last body, the one that makes the new content
    visible (a marker telling that this write landed).

    Raises TooManyCells when the spreadsheet would exceed ``max_cells``, staging tabs
    included.
    """
    stale = [s for s in sheets if is_staging(s.title)]
    kept = [s for s in sheets if not is_staging(s.title)]
    cleanup = [{"deleteSheet": {"sheetId": s.sheet_id}} for s in stale]
    one = compact_json({"requests": [*cleanup, *write_requests(tabs, kept, max_cells), *finish]})
    if len(one) <= limit:
        return [one]
    return _staged(tabs, kept, cleanup, max_cells, limit, finish)


def _size(rows: Rows) -> tuple[int, int]:
    return max(len(rows), 1), max((len(r) for r in rows), default=1) or 1


def _staged(tabs: Mapping[str, Rows], sheets: list[SheetInfo], cleanup: list[dict[str, Any]],
            max_cells: int, limit: int, finish: Sequence[dict[str, Any]]) -> list[bytes]:
    next_id = max((s.sheet_id for s in sheets), default=0) + 1
    by_title = {s.title: s for s in sheets}
    cells = sum(s.rows * s.columns for s in sheets)
    prepare = list(cleanup)
    pieces: list[bytes] = []
    final: list[dict[str, Any]] = []
    budget = max(limit * 3 // 4, limit - 65536)
    for title, rows in tabs.items():
        height, width = _size(rows)
        stage, next_id = next_id, next_id + 1
        cells += height * width
        prepare.append({"addSheet": {"properties": {
            "sheetId": stage, "title": STAGING_PREFIX + title, "hidden": True,
            "gridProperties": {"rowCount": height, "columnCount": width}}}})
        pieces += _value_pieces(stage, rows, budget)
        pieces += [compact_json(r) for r in format_requests(stage, rows)]
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
    return [compact_json({"requests": prepare}), *_pack(pieces, limit),
            compact_json({"requests": [*final, *finish]})]


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


__all__ = ["MAX_REQUEST_BYTES", "STAGING_PREFIX", "is_staging", "write_bodies"]
