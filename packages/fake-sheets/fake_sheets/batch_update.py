"""``spreadsheets.batchUpdate``: the structural and formatting requests, applied atomically.

:func:`apply_batch` works on a clone of the spreadsheet; the caller keeps the clone only when
every request succeeded, so a failing request leaves the spreadsheet untouched, as the real API
does. Request kinds the real API has but this module does not model are refused with a 400
that names them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from .a1 import format_range
from .errors import ApiError, bad_request, protected
from .fields import Path, apply_mask, get_path, parse_mask
from .metadata import sheet_properties, spreadsheet_document
from .model import DEFAULT_COLUMNS, DEFAULT_ROWS, Sheet, Spreadsheet

Handler = Callable[["_Batch", dict[str, Any]], dict[str, Any]]
CELL_FIELDS = ("userEnteredValue", "userEnteredFormat", "note", "dataValidation", "hyperlink")
_KIND_NAMES = """updateSpreadsheetProperties updateSheetProperties updateDimensionProperties
    updateNamedRange repeatCell addNamedRange deleteNamedRange addSheet deleteSheet autoFill
    cutPaste copyPaste mergeCells unmergeCells updateBorders updateCells addFilterView
    appendCells clearBasicFilter deleteDimension deleteEmbeddedObject deleteFilterView
    duplicateFilterView duplicateSheet findReplace insertDimension insertRange moveDimension
    updateEmbeddedObjectPosition pasteData textToColumns updateFilterView deleteRange
    appendDimension addConditionalFormatRule updateConditionalFormatRule
    deleteConditionalFormatRule sortRange setDataValidation setBasicFilter addProtectedRange
    updateProtectedRange deleteProtectedRange autoResizeDimensions addChart updateChartSpec
    updateBanding addBanding deleteBanding createDeveloperMetadata updateDeveloperMetadata
    deleteDeveloperMetadata randomizeRange addDimensionGroup deleteDimensionGroup
    updateDimensionGroup trimWhitespace deleteDuplicates updateEmbeddedObjectBorder addSlicer
    updateSlicerSpec addDataSource updateDataSource deleteDataSource refreshDataSource
    cancelDataSourceRefresh addTable updateTable deleteTable"""
ALL_KINDS = frozenset(_KIND_NAMES.split())


class RequestError(Exception):
    """One request of a batch is invalid; the message is prefixed with its position."""


Bounds = tuple[int, int, int, int]


class _Batch:
    def __init__(self, book: Spreadsheet, rng: random.Random, caller: str = "") -> None:
        self.book = book
        self.rng = rng
        self.caller = caller

    def check_editable(self, sheet: Sheet, row: int | None = None, col: int | None = None) -> None:
        """Refuse, as Google does, a change inside a range protected from the caller."""
        if sheet.protected_ranges and sheet.protection(row, col, self.caller) is not None:
            raise protected()

    # --- lookups ---------------------------------------------------------------------------

    def sheet(self, sheet_id: object) -> Sheet:
        wanted = _int(sheet_id)
        sheet = self.book.find_id(wanted)
        if sheet is None:
            raise RequestError(f"No grid with id: {wanted}")
        return sheet

    def grid_range(self, gr: dict[str, Any]) -> tuple[Sheet, Bounds]:
        sheet = self.sheet(gr.get("sheetId"))
        bounds = (
            int(gr.get("startRowIndex", 0)),
            int(gr.get("endRowIndex", sheet.row_count)),
            int(gr.get("startColumnIndex", 0)),
            int(gr.get("endColumnIndex", sheet.column_count)),
        )
        r0, r1, c0, c1 = bounds
        if min(bounds) < 0 or r0 > r1 or c0 > c1:
            raise RequestError("Invalid grid range: the start must not be after the end")
        if r1 > sheet.row_count or c1 > sheet.column_count:
            raise RequestError(
                f"Range ({format_range(sheet.title, *bounds)}) exceeds grid limits. Max rows: "
                f"{sheet.row_count}, max columns: {sheet.column_count}"
            )
        return sheet, bounds

    def dimension_range(self, dr: dict[str, Any]) -> tuple[Sheet, bool, int, int]:
        sheet = self.sheet(dr.get("sheetId"))
        dimension = dr.get("dimension")
        if dimension not in ("ROWS", "COLUMNS"):
            raise RequestError("dimension must be ROWS or COLUMNS")
        rows = dimension == "ROWS"
        size = sheet.row_count if rows else sheet.column_count
        start, end = int(dr.get("startIndex", 0)), int(dr.get("endIndex", size))
        if not 0 <= start < end:
            raise RequestError(f"Invalid dimension range: start {start}, end {end}")
        return sheet, rows, start, end

    def check_sheet_ids(self, obj: object) -> None:
        """Every ``sheetId`` mentioned inside a chart spec or rule must exist."""
        if isinstance(obj, dict):
            if "sheetId" in obj:
                self.sheet(obj["sheetId"])
            for value in obj.values():
                self.check_sheet_ids(value)
        elif isinstance(obj, list):
            for value in obj:
                self.check_sheet_ids(value)

    def new_id(self, taken: set[int]) -> int:
        while True:
            candidate = self.rng.randint(1, 2**31 - 1)
            if candidate not in taken:
                return candidate

    # --- sheets ----------------------------------------------------------------------------

    def add_sheet(self, req: dict[str, Any]) -> dict[str, Any]:
        props = dict(req.get("properties") or {})
        taken = {s.sheet_id for s in self.book.sheets}
        sheet_id = _int(props["sheetId"]) if "sheetId" in props else self.new_id(taken)
        if sheet_id in taken:
            raise RequestError(f"A sheet with the id {sheet_id} already exists.")
        title = props.get("title")
        if title is None:
            n = len(self.book.sheets) + 1
            while self.book.find_title(f"Sheet{n}") is not None:
                n += 1
            title = f"Sheet{n}"
        self._check_title(str(title))
        index = int(props.get("index", len(self.book.sheets)))
        grid = dict(props.get("gridProperties") or {})
        rows = int(grid.pop("rowCount", DEFAULT_ROWS))
        cols = int(grid.pop("columnCount", DEFAULT_COLUMNS))
        if rows < 1 or cols < 1:
            raise RequestError("A sheet must have at least one row and one column.")
        new = sheet_properties(sheet_id, str(title), index, rows, cols)
        new["sheetType"] = props.get("sheetType", "GRID")
        new["gridProperties"].update(grid)
        for key, value in props.items():
            new.setdefault(key, value)
        self.book.sheets.insert(min(max(index, 0), len(self.book.sheets)), Sheet(new))
        self.book.reindex()
        self.book.check_cell_limit()
        return {"addSheet": {"properties": dict(new)}}

    def _check_title(self, title: str, sheet: Sheet | None = None) -> None:
        if not title.strip():
            raise RequestError("The sheet name must not be empty.")
        other = self.book.find_title(title)
        if other is not None and other is not sheet:
            raise RequestError(
                f'A sheet with the name "{title}" already exists. Please enter another name.'
            )

    def delete_sheet(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet = self.sheet(req.get("sheetId"))
        self.check_editable(sheet)
        if len(self.book.sheets) == 1:
            raise RequestError("You can't remove all the sheets in a document.")
        self.book.sheets.remove(sheet)
        self.book.reindex()
        return {}

    def update_sheet_properties(self, req: dict[str, Any]) -> dict[str, Any]:
        props = req.get("properties") or {}
        sheet = self.sheet(props.get("sheetId"))
        self.check_editable(sheet)
        paths = self._mask(req)
        merged = apply_mask(sheet.properties, props, paths)
        merged["sheetId"] = sheet.sheet_id
        grid = merged.setdefault("gridProperties", {})
        rows = int(grid.get("rowCount", sheet.row_count))
        cols = int(grid.get("columnCount", sheet.column_count))
        if rows < 1 or cols < 1:
            raise RequestError("A sheet must have at least one row and one column.")
        title = str(merged.get("title", sheet.title))
        self._check_title(title, sheet)
        index = int(merged.get("index", sheet.properties["index"]))
        sheet.properties = merged
        sheet.properties["title"] = title
        sheet.set_grid(rows, cols)
        self.book.sheets.remove(sheet)
        self.book.sheets.insert(min(max(index, 0), len(self.book.sheets)), sheet)
        self.book.reindex()
        self.book.check_cell_limit()
        return {}

    def update_spreadsheet_properties(self, req: dict[str, Any]) -> dict[str, Any]:
        merged = apply_mask(self.book.properties, req.get("properties") or {}, self._mask(req))
        if not str(merged.get("title", "")).strip():
            raise RequestError("The spreadsheet title must not be empty.")
        self.book.properties = merged
        return {}

    @staticmethod
    def _mask(req: dict[str, Any]) -> list[Path]:
        fields = req.get("fields")
        if not fields:
            raise RequestError("At least one field must be updated, but none were specified.")
        return parse_mask(str(fields))

    # --- cells -----------------------------------------------------------------------------

    def _apply_cell(
        self, sheet: Sheet, row: int, col: int, src: dict[str, Any], paths: list[Path]
    ) -> None:
        if paths == [("*",)]:
            paths = [(name,) for name in CELL_FIELDS]
        for path in paths:
            if path[0] not in CELL_FIELDS:
                raise RequestError(f"Unknown or read-only cell field: {'.'.join(path)}")
        entered = src.get("userEnteredValue")
        if entered is not None and (not isinstance(entered, dict) or len(entered) != 1):
            raise RequestError("userEnteredValue must set exactly one kind of value")
        self.check_editable(sheet, row, col)
        cell = sheet.cell(row, col)
        old = cell.data if cell else {}
        data = apply_mask(old, src, paths)
        keep_cache = cell is not None and data.get("userEnteredValue") == old.get(
            "userEnteredValue"
        )
        sheet.put(row, col, data, cell.cached if cell is not None and keep_cache else None)

    def _paint(self, sheet: Sheet, bounds: Bounds, src: dict[str, Any], paths: list[Path]) -> None:
        """Apply the same cell data to every cell in ``bounds``."""
        r0, r1, c0, c1 = bounds
        if any((bool(src) if p == ("*",) else get_path(src, p) is not None) for p in paths):
            targets = [(r, c) for r in range(r0, r1) for c in range(c0, c1)]
        else:
            targets = [(r, c) for r, c in sheet.cells if r0 <= r < r1 and c0 <= c < c1]
        for row, col in targets:
            self._apply_cell(sheet, row, col, src, paths)

    def update_cells(self, req: dict[str, Any]) -> dict[str, Any]:
        paths = self._mask(req)
        rows = req.get("rows") or []
        width = max((len(r.get("values") or []) for r in rows), default=0)
        if "start" in req:
            start = req["start"]
            sheet = self.sheet(start.get("sheetId"))
            r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
            self.grid_range(
                {
                    "sheetId": sheet.sheet_id,
                    "startRowIndex": r0,
                    "endRowIndex": r0 + max(len(rows), 1),
                    "startColumnIndex": c0,
                    "endColumnIndex": c0 + max(width, 1),
                }
            )
            bounds = (r0, r0 + len(rows), c0, c0 + width)
            region: set[tuple[int, int]] = set()
        elif "range" in req:
            sheet, bounds = self.grid_range(req["range"])
            r0, r1, c0, c1 = bounds
            if len(rows) > r1 - r0 or width > c1 - c0:
                raise RequestError("The rows are larger than the range they are written to.")
            region = {(r, c) for r, c in sheet.cells if r0 <= r < r1 and c0 <= c < c1}
        else:
            raise RequestError("Either start or range must be set.")
        for i, row_data in enumerate(rows):
            for j, cell_data in enumerate(row_data.get("values") or []):
                self._apply_cell(sheet, bounds[0] + i, bounds[2] + j, cell_data or {}, paths)
                region.discard((bounds[0] + i, bounds[2] + j))
        for row, col in region:
            self._apply_cell(sheet, row, col, {}, paths)
        return {}

    def append_cells(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet = self.sheet(req.get("sheetId"))
        rows = req.get("rows") or []
        last = max((r for r, _ in sheet.cells), default=-1)
        width = max((len(r.get("values") or []) for r in rows), default=0)
        need_rows = last + 1 + len(rows)
        if need_rows > sheet.row_count or width > sheet.column_count:
            sheet.set_grid(max(need_rows, sheet.row_count), max(width, sheet.column_count))
            self.book.check_cell_limit()
        return self.update_cells(
            {
                "rows": rows,
                "fields": req.get("fields"),
                "start": {"sheetId": sheet.sheet_id, "rowIndex": last + 1, "columnIndex": 0},
            }
        )

    def repeat_cell(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet, bounds = self.grid_range(req.get("range") or {})
        self._paint(sheet, bounds, req.get("cell") or {}, self._mask(req))
        return {}

    def create_developer_metadata(self, req: dict[str, Any]) -> dict[str, Any]:
        """Keep a key and value on the spreadsheet (only spreadsheet-level metadata is
        modelled)."""
        item = dict(req.get("developerMetadata") or {})
        if not item.get("metadataKey"):
            raise RequestError("developerMetadata.metadataKey is required.")
        if (item.get("location") or {}).get("spreadsheet") is not True:
            raise RequestError("Only metadata on the whole spreadsheet is modelled.")
        if item.get("visibility") not in ("DOCUMENT", "PROJECT"):
            raise RequestError("developerMetadata.visibility must be DOCUMENT or PROJECT.")
        taken = {m["metadataId"] for m in self.book.developer_metadata}
        item["metadataId"] = int(item.get("metadataId") or self.new_id(taken))
        if item["metadataId"] in taken:
            raise RequestError(f"Developer metadata {item['metadataId']} already exists.")
        item["location"] = {"locationType": "SPREADSHEET", "spreadsheet": True}
        self.book.developer_metadata.append(item)
        return {"createDeveloperMetadata": {"developerMetadata": item}}

    def update_developer_metadata(self, req: dict[str, Any]) -> dict[str, Any]:
        """Change the metadata that a ``developerMetadataLookup`` (by id or key) finds."""
        paths = self._mask(req)
        changed = []
        for flt in req.get("dataFilters") or []:
            lookup = flt.get("developerMetadataLookup") or {}
            for i, item in enumerate(self.book.developer_metadata):
                if all(item.get(k) == lookup[k] for k in ("metadataId", "metadataKey")
                       if k in lookup):
                    updated = apply_mask(item, req.get("developerMetadata") or {}, paths)
                    self.book.developer_metadata[i] = updated
                    changed.append(updated)
        return {"updateDeveloperMetadata": {"developerMetadata": changed}}

    def add_protected_range(self, req: dict[str, Any]) -> dict[str, Any]:
        """Protect a range (a whole sheet when it names only the sheet); the caller can
        edit it, like the owner."""
        protection = dict(req.get("protectedRange") or {})
        sheet, _ = self.grid_range(protection.get("range") or {})
        taken = {p["protectedRangeId"] for s in self.book.sheets for p in s.protected_ranges}
        protection["protectedRangeId"] = self.new_id(taken)
        editors = dict(protection.get("editors") or {})
        users = list(editors.get("users") or [])
        if self.caller and self.caller not in users:
            users.append(self.caller)
        if users:
            editors["users"] = users
        protection["editors"] = editors
        sheet.protected_ranges.append(protection)
        return {"addProtectedRange": {"protectedRange": protection}}

    def copy_paste(self, req: dict[str, Any]) -> dict[str, Any]:
        """Copy a range's cells to another place (values, formulas, formats, validations).

        Only ``pasteOrientation`` NORMAL is modelled, and formulas only where the copy does
        not move them (relative references would need rewriting).
        """
        source, (r0, r1, c0, c1) = self.grid_range(req.get("source") or {})
        dest = req.get("destination") or {}
        target = self.sheet(dest.get("sheetId"))
        d0, e0 = int(dest.get("startRowIndex", 0)), int(dest.get("startColumnIndex", 0))
        self.grid_range({"sheetId": target.sheet_id, "startRowIndex": d0,
                         "endRowIndex": d0 + r1 - r0, "startColumnIndex": e0,
                         "endColumnIndex": e0 + c1 - c0})
        kind = req.get("pasteType", "PASTE_NORMAL")
        paths: dict[str, list[Path]] = {
            "PASTE_NORMAL": [(name,) for name in CELL_FIELDS],
            "PASTE_VALUES": [("userEnteredValue",)],
            "PASTE_FORMAT": [("userEnteredFormat",)],
        }
        if kind not in paths or req.get("pasteOrientation", "NORMAL") != "NORMAL":
            raise RequestError(f"pasteType {kind} is not supported by this stand-in.")
        moved = (d0, e0) != (r0, c0)
        copies = {(r - r0, c - c0): cell for (r, c), cell in source.cells.items()
                  if r0 <= r < r1 and c0 <= c < c1}
        for row in range(r1 - r0):
            for col in range(c1 - c0):
                cell = copies.get((row, col))
                data = dict(cell.data) if cell is not None else {}
                if moved and "formulaValue" in (data.get("userEnteredValue") or {}):
                    raise RequestError("Copying a formula to another place is not modelled.")
                self._apply_cell(target, d0 + row, e0 + col, data, paths[kind])
        return {}

    def set_data_validation(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet, bounds = self.grid_range(req.get("range") or {})
        rule = req.get("rule")
        if rule is not None and not (
            isinstance(rule, dict) and rule.get("condition", {}).get("type")
        ):
            raise RequestError("A data validation rule needs a condition with a type.")
        src = {"dataValidation": rule} if rule else {}
        self._paint(sheet, bounds, src, [("dataValidation",)])
        return {}

    # --- dimensions ------------------------------------------------------------------------

    def append_dimension(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet = self.sheet(req.get("sheetId"))
        length = int(req.get("length", 0))
        if length < 1:
            raise RequestError("length must be at least 1")
        if req.get("dimension") == "ROWS":
            sheet.set_grid(sheet.row_count + length, sheet.column_count)
        elif req.get("dimension") == "COLUMNS":
            sheet.set_grid(sheet.row_count, sheet.column_count + length)
        else:
            raise RequestError("dimension must be ROWS or COLUMNS")
        self.book.check_cell_limit()
        return {}

    def insert_dimension(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet, rows, start, end = self.dimension_range(req.get("range") or {})
        size = sheet.row_count if rows else sheet.column_count
        if start > size:
            raise RequestError(f"Cannot insert at index {start}: the sheet has {size}.")
        sheet.shift(rows, start, end - start)
        self.book.check_cell_limit()
        return {}

    def delete_dimension(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet, rows, start, end = self.dimension_range(req.get("range") or {})
        size = sheet.row_count if rows else sheet.column_count
        if end > size:
            raise RequestError(f"Cannot delete past index {size}.")
        if start == 0 and end == size:
            what = "rows" if rows else "columns"
            raise RequestError(f"You can't delete all the {what} on the sheet.")
        sheet.shift(rows, start, -(end - start))
        return {}

    def auto_resize_dimensions(self, req: dict[str, Any]) -> dict[str, Any]:
        self.dimension_range(req.get("dimensions") or {})
        return {}

    def update_dimension_properties(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet, rows, start, end = self.dimension_range(req.get("range") or {})
        size = sheet.row_count if rows else sheet.column_count
        if end > size:
            raise RequestError(f"Cannot update past index {size}.")
        paths = self._mask(req)
        meta = sheet.row_metadata if rows else sheet.column_metadata
        for index in range(start, end):
            updated = apply_mask(meta.get(index, {}), req.get("properties") or {}, paths)
            if updated:
                meta[index] = updated
            else:
                meta.pop(index, None)
        return {}

    # --- objects on a sheet ----------------------------------------------------------------

    def add_conditional_format_rule(self, req: dict[str, Any]) -> dict[str, Any]:
        rule = req.get("rule") or {}
        ranges = rule.get("ranges") or []
        if not ranges:
            raise RequestError("Must specify at least one range.")
        if ("booleanRule" in rule) == ("gradientRule" in rule):
            raise RequestError("Exactly one of booleanRule or gradientRule must be set.")
        sheets = {self.grid_range(r)[0].sheet_id for r in ranges}
        if len(sheets) != 1:
            raise RequestError("All ranges of a rule must be on the same sheet.")
        sheet = self.sheet(sheets.pop())
        index = int(req.get("index", 0))
        if not 0 <= index <= len(sheet.conditional_formats):
            raise RequestError(f"Invalid rule index: {index}")
        sheet.conditional_formats.insert(index, rule)
        return {}

    def delete_conditional_format_rule(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet = self.sheet(req.get("sheetId"))
        index = int(req.get("index", 0))
        if not 0 <= index < len(sheet.conditional_formats):
            raise RequestError(f"No conditional format on sheet {sheet.sheet_id} at index {index}")
        rule = sheet.conditional_formats.pop(index)
        return {"deleteConditionalFormatRule": {"rule": rule}}

    def update_conditional_format_rule(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet = self.sheet(req.get("sheetId"))
        index = int(req.get("index", 0))
        rules = sheet.conditional_formats
        if not 0 <= index < len(rules):
            raise RequestError(f"No conditional format on sheet {sheet.sheet_id} at index {index}")
        old = rules[index]
        if "rule" in req:
            self.check_sheet_ids(req["rule"])
            rules[index] = req["rule"]
            new_index = index
        else:
            new_index = int(req.get("newIndex", index))
            if not 0 <= new_index < len(rules):
                raise RequestError(f"Invalid rule index: {new_index}")
            rules.insert(new_index, rules.pop(index))
        reply = {"newRule": rules[new_index], "oldRule": old, "newIndex": new_index}
        if index:
            reply["oldIndex"] = index
        return {"updateConditionalFormatRule": reply}

    def add_chart(self, req: dict[str, Any]) -> dict[str, Any]:
        chart = dict(req.get("chart") or {})
        if not chart.get("spec"):
            raise RequestError("The chart needs a spec.")
        position = chart.get("position") or {}
        anchor = get_path(position, ("overlayPosition", "anchorCell"))
        if isinstance(anchor, dict):
            host = self.sheet(anchor.get("sheetId"))
        elif "sheetId" in position:
            host = self.sheet(position["sheetId"])
        else:
            raise RequestError("The chart position must name an existing sheet.")
        self.check_sheet_ids(chart)
        taken = {c["chartId"] for s in self.book.sheets for c in s.charts}
        chart_id = int(chart.get("chartId") or self.new_id(taken))
        if chart_id in taken:
            raise RequestError(f"An object with the id {chart_id} already exists.")
        stored = {"chartId": chart_id, **{k: v for k, v in chart.items() if k != "chartId"}}
        host.charts.append(stored)
        return {"addChart": {"chart": stored}}

    def _find_chart(self, chart_id: object) -> tuple[Sheet, int]:
        for sheet in self.book.sheets:
            for i, chart in enumerate(sheet.charts):
                if chart["chartId"] == chart_id:
                    return sheet, i
        raise RequestError(f"No object with id: {chart_id}")

    def update_chart_spec(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet, i = self._find_chart(req.get("chartId"))
        if not req.get("spec"):
            raise RequestError("The chart needs a spec.")
        self.check_sheet_ids(req["spec"])
        sheet.charts[i] = {**sheet.charts[i], "spec": req["spec"]}
        return {}

    def delete_embedded_object(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet, i = self._find_chart(req.get("objectId"))
        del sheet.charts[i]
        return {}

    def merge_cells(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet, (r0, r1, c0, c1) = self.grid_range(req.get("range") or {})
        kind = req.get("mergeType", "MERGE_ALL")
        if kind == "MERGE_ROWS":
            parts = [(r, r + 1, c0, c1) for r in range(r0, r1)]
        elif kind == "MERGE_COLUMNS":
            parts = [(r0, r1, c, c + 1) for c in range(c0, c1)]
        else:
            parts = [(r0, r1, c0, c1)]
        for a0, a1, b0, b1 in parts:
            for merge in sheet.merges:
                m = _bounds(merge)
                if a0 < m[1] and m[0] < a1 and b0 < m[3] and m[2] < b1:
                    raise RequestError("You can't merge cells that overlap an existing merge.")
            sheet.merges.append(_grid_range(sheet.sheet_id, (a0, a1, b0, b1)))
        return {}

    def unmerge_cells(self, req: dict[str, Any]) -> dict[str, Any]:
        sheet, (r0, r1, c0, c1) = self.grid_range(req.get("range") or {})

        def inside(merge: dict[str, Any]) -> bool:
            m0, m1, n0, n1 = _bounds(merge)
            return r0 <= m0 and m1 <= r1 and c0 <= n0 and n1 <= c1

        sheet.merges = [m for m in sheet.merges if not inside(m)]
        return {}

    def update_borders(self, req: dict[str, Any]) -> dict[str, Any]:
        # Borders are checked (the range must be valid) but not kept.
        self.grid_range(req.get("range") or {})
        return {}

    def set_basic_filter(self, req: dict[str, Any]) -> dict[str, Any]:
        flt = req.get("filter") or {}
        sheet, _ = self.grid_range(flt.get("range") or {})
        sheet.basic_filter = flt
        return {}

    def clear_basic_filter(self, req: dict[str, Any]) -> dict[str, Any]:
        self.sheet(req.get("sheetId")).basic_filter = None
        return {}


def _int(value: object, default: int = 0) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RequestError(f"Expected a number, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise RequestError(f"Expected a number, got {value!r}") from None


def _bounds(gr: dict[str, Any]) -> Bounds:
    return (
        int(gr.get("startRowIndex", 0)),
        int(gr.get("endRowIndex", 0)),
        int(gr.get("startColumnIndex", 0)),
        int(gr.get("endColumnIndex", 0)),
    )


def _grid_range(sheet_id: int, bounds: Bounds) -> dict[str, Any]:
    r0, r1, c0, c1 = bounds
    return {
        "sheetId": sheet_id,
        "startRowIndex": r0,
        "endRowIndex": r1,
        "startColumnIndex": c0,
        "endColumnIndex": c1,
    }


HANDLERS: dict[str, Handler] = {
    "addSheet": _Batch.add_sheet,
    "deleteSheet": _Batch.delete_sheet,
    "updateSheetProperties": _Batch.update_sheet_properties,
    "updateSpreadsheetProperties": _Batch.update_spreadsheet_properties,
    "updateCells": _Batch.update_cells,
    "appendCells": _Batch.append_cells,
    "repeatCell": _Batch.repeat_cell,
    "copyPaste": _Batch.copy_paste,
    "addProtectedRange": _Batch.add_protected_range,
    "createDeveloperMetadata": _Batch.create_developer_metadata,
    "updateDeveloperMetadata": _Batch.update_developer_metadata,
    "setDataValidation": _Batch.set_data_validation,
    "appendDimension": _Batch.append_dimension,
    "insertDimension": _Batch.insert_dimension,
    "deleteDimension": _Batch.delete_dimension,
    "autoResizeDimensions": _Batch.auto_resize_dimensions,
    "updateDimensionProperties": _Batch.update_dimension_properties,
    "addConditionalFormatRule": _Batch.add_conditional_format_rule,
    "updateConditionalFormatRule": _Batch.update_conditional_format_rule,
    "deleteConditionalFormatRule": _Batch.delete_conditional_format_rule,
    "addChart": _Batch.add_chart,
    "updateChartSpec": _Batch.update_chart_spec,
    "deleteEmbeddedObject": _Batch.delete_embedded_object,
    "mergeCells": _Batch.merge_cells,
    "unmergeCells": _Batch.unmerge_cells,
    "updateBorders": _Batch.update_borders,
    "setBasicFilter": _Batch.set_basic_filter,
    "clearBasicFilter": _Batch.clear_basic_filter,
}


def _unknown_kind(i: int, name: str) -> ApiError:
    message = (
        f"Invalid JSON payload received. Unknown name \"{name}\" at 'requests[{i}]': "
        "Cannot find field."
    )
    return bad_request(message, f"requests[{i}]")


def apply_batch(
    book: Spreadsheet, body: dict[str, Any], rng: random.Random, caller: str = ""
) -> tuple[Spreadsheet, dict[str, Any]]:
    """Apply a batch to a clone of ``book``; returns the clone and the response document.

    Raises :class:`ApiError` (and leaves ``book`` untouched) when any request fails.
    """
    requests = body.get("requests")
    if not requests:
        raise bad_request("Must specify at least one request.")
    if not isinstance(requests, list):
        raise bad_request("Invalid JSON payload received. 'requests' must be a list.", "requests")
    work = book.clone()
    batch = _Batch(work, rng, caller)
    replies: list[dict[str, Any]] = []
    for i, request in enumerate(requests):
        if not isinstance(request, dict) or not request:
            raise bad_request(f"Invalid requests[{i}]: No request set.")
        for name in request:
            if name not in ALL_KINDS:
                raise _unknown_kind(i, name)
        if len(request) > 1:
            names = list(request)
            raise bad_request(
                f"Invalid JSON payload received. Oneof field 'kind' is already set. "
                f"Cannot set '{names[1]}'",
                f"requests[{i}]",
            )
        kind, payload = next(iter(request.items()))
        handler = HANDLERS.get(kind)
        if handler is None:
            raise bad_request(f"Invalid requests[{i}]: {kind} is not supported by this stand-in.")
        try:
            replies.append(handler(batch, payload if isinstance(payload, dict) else {}))
        except RequestError as error:
            raise bad_request(f"Invalid requests[{i}].{kind}: {error}") from None
        except ApiError as error:
            if error.code != 400:
                raise
            raise bad_request(f"Invalid requests[{i}].{kind}: {error.message}") from None
        except (TypeError, ValueError, KeyError) as error:
            raise bad_request(f"Invalid requests[{i}].{kind}: {error}") from None
    response: dict[str, Any] = {"spreadsheetId": work.spreadsheet_id, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        response["updatedSpreadsheet"] = spreadsheet_document(
            work,
            bool(body.get("responseIncludeGridData")),
            list(body.get("responseRanges") or []),
        )
    return work, response


__all__ = ["ALL_KINDS", "HANDLERS", "RequestError", "apply_batch"]
