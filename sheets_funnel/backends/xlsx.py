"""A workbook file on disk (.xlsx / .xlsm): the default backend, no account needed.

Reading uses python-calamine (fast, values only). Writing rebuilds the
package with only the owned sheet parts changed: every other part — the
user's tabs, data validation, conditional formatting, charts, shapes, a VBA
project — is copied byte for byte, and the file is replaced atomically
(temporary file beside it, fsync, rename).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, BinaryIO, TypeVar
from xml.etree import ElementTree as ET

from ..cells import Rows
from ..errors import NotAWorkbook, WorkbookLocked, WorkbookUnusable
from . import sparse_columns, split_read, xlsx_check, xlsx_file, xlsx_sheet_scan
from . import xlsx_package as pkg
from .zipraw import Deflated, RawZipWriter, deflate, read_entry

SUPPORTED = (".xlsx", ".xlsm")
#: The kinds of tab the reader (calamine) accepts; a workbook with others is read from a copy.
_READER_KINDS = frozenset({"worksheet", "chart", "dialog"})
log = logging.getLogger("sheets_funnel")
_CALC_CHAIN_TYPE = "/calcChain"
#: A tab's sheet part from this size on is searched for formulas never calculated while it
#: is read; a smaller one only when a refresh asks.
_LOOK_AHEAD_BYTES = 1 << 20
_T = TypeVar("_T")
_A = TypeVar("_A")


def lock_file(path: Path) -> Path | None:
    """Excel's ``~$`` owner file beside the workbook, when the workbook is open."""
    for name in ("~$" + path.name, "~$" + path.name[2:]):
        candidate = path.with_name(name)
        if len(name) > 2 and candidate.exists():
            return candidate
    return None


class XlsxWorkbook:
    """A local .xlsx or .xlsm workbook."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() not in SUPPORTED:
            raise NotAWorkbook(
                f"{self.path.name}: not an Excel workbook; expected a .xlsx or .xlsm file"
            )
        xlsx_file.check_file(self.path)
        self._sheets: list[pkg.SheetPart] | None = None
        self._date1904: bool | None = None
        #: The columns of each large tab that hold formulas never calculated, looked for on
        #: another core while the tab was read.
        self._formulas: dict[str, Future[set[int]]] = {}
        #: The rows' XML of each tab read in pieces (see :mod:`.split_read`), kept for the
        #: check for formulas never calculated until the workbook is written.
        self._rows_xml: dict[str, tuple[list[bytes], bytes]] = {}
        #: The formula cells in that XML (see :func:`.xlsx_sheet_scan.formulas`), found on
        #: another core while the values read are parsed.
        self._formula_cells: dict[str, Future[list[xlsx_sheet_scan.Formulas]]] = {}

    @property
    def label(self) -> str:
        """The file name."""
        return self.path.name

    def _package_sheets(self) -> list[pkg.SheetPart]:
        if self._sheets is None:
            try:
                with zipfile.ZipFile(self.path) as zf:
                    types = self._part(zf, "[Content_Types].xml")
                    wb_path = pkg.workbook_part(types, self._part(zf, "_rels/.rels"))
                    self._sheets = pkg.list_sheets(self._part(zf, wb_path),
                                                   self._part(zf, pkg.rels_path(wb_path)),
                                                   wb_path)
            except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
                raise NotAWorkbook(
                    f"{self.path.name} is damaged: its zip package cannot be read ({exc}); "
                    "open it in Excel, let Excel repair it, and save it") from None
        return self._sheets

    def _part(self, zf: zipfile.ZipFile, name: str) -> bytes:
        """A part of the package; NotAWorkbook naming the part when it is missing or damaged."""
        try:
            data = zf.read(name)
        except KeyError:
            raise NotAWorkbook(
                f"{self.path.name} is a zip file but not an Excel workbook (it has no "
                f"{name}); {xlsx_file.SAVE_AS}") from None
        try:
            ET.fromstring(data)
        except ET.ParseError as exc:
            raise NotAWorkbook(
                f"{self.path.name} is damaged: its part {name} is not well-formed XML "
                f"(line {exc.position[0]}, column {exc.position[1] + 1}); open it in Excel, let "
                "Excel repair it, and save it") from None
        return data

    @property
    def date1904(self) -> bool:
        """True when the workbook uses the 1904 date system (serials from 1904-01-01)."""
        if self._date1904 is None:
            with zipfile.ZipFile(self.path) as zf:
                wb_path = pkg.workbook_part(self._part(zf, "[Content_Types].xml"),
                                            self._part(zf, "_rels/.rels"))
                self._date1904 = pkg.uses_1904(self._part(zf, wb_path))
        return self._date1904

    def tab_names(self) -> list[str]:
        """The tab names in workbook order."""
        return [s.name for s in self._package_sheets()]

    def uncalculated(self, tab: str,
                     columns: Collection[int] | None = None) -> list[tuple[int, int]]:
        """0-based (row, column) of the tab's formula cells that hold no calculated value
        (a file written by a program and never opened in a spreadsheet), in ``columns``
        (0-based) when given."""
        if tab in self._rows_xml:
            ahead_cells = self._formula_cells.get(tab)
            return xlsx_sheet_scan.uncalculated_in(
                *self._rows_xml[tab], columns,
                ahead_cells.result() if ahead_cells is not None
                and ahead_cells.exception() is None else None)
        ahead = self._formulas.get(tab)
        if ahead is not None and ahead.exception() is None:
            found = ahead.result()
            if not (found if columns is None else found.intersection(columns)):
                return []  # none in these columns: the tab need not be read again
        return self._scan(tab, lambda zf, part: xlsx_sheet_scan.uncalculated(zf, part, columns))

    def merged(self, tab: str) -> list[tuple[int, int, int, int]]:
        """The tab's merged ranges, 0-based (first row, first column, last row, last column)."""
        return self._scan(tab, xlsx_sheet_scan.merged)

    def totals_rows(self, tab: str) -> list[int]:
        """0-based rows of the tab that are an Excel table's totals row (not deals)."""
        return self._scan(tab, xlsx_sheet_scan.totals_rows)

    def filtered_rows(self, tab: str) -> list[int]:
        """0-based rows of the tab that a filter (the sheet's or a table's) hides."""
        return self._scan(tab, xlsx_sheet_scan.filtered_rows)

    def _scan(self, tab: str, scan: Callable[[zipfile.ZipFile, str], list[_T]]) -> list[_T]:
        parts = {s.name: s.part for s in self._package_sheets()}
        if tab not in parts:
            return []
        with zipfile.ZipFile(self.path) as zf:
            return scan(zf, parts[tab])

    def read(self, tabs: Sequence[str]) -> dict[str, Rows]:
        """The cells of each named tab that exists (blank cells are empty strings)."""
        unread = [s for s in self._package_sheets() if s.kind not in _READER_KINDS]
        parts = {s.name: s.part for s in self._package_sheets() if s.name in tabs}
        self._wait_for_formulas()
        try:
            # the reader refuses a whole file with tabs it cannot read: it gets a copy without
            package = self._without(unread) if unread else None
            book, plans = sparse_columns.open_book(self.path, parts, package)
            self._rows_xml = {tab: (plan.pieces.rows_xml, plan.pieces.prefix)
                              for tab, plan in plans.items() if plan.pieces is not None}
            self._formulas = self._look_for_formulas(
                {tab: part for tab, part in parts.items() if tab not in self._rows_xml},
                package)
        except Exception as exc:  # calamine raises its own error types
            raise self._damaged(None, exc) from None
        try:
            names = set(book.sheet_names)
        except Exception as exc:  # calamine raises its own error types
            raise self._damaged(None, exc) from None
        out: dict[str, Rows] = {}
        # the tabs read in pieces last: their pieces are read meanwhile
        for name in sorted(tabs, key=lambda tab: tab in self._rows_xml):
            if name not in names:
                continue
            try:
                # blank cells are empty strings; times and durations are read as text by the
                # parser
                out[name] = sparse_columns.read_rows(book, name, plans)
            except Exception as exc:  # calamine raises its own error types
                raise self._damaged(name, exc) from None
        self._formula_cells = self._find_formula_cells()
        return out

    def _find_formula_cells(self) -> dict[str, Future[list[xlsx_sheet_scan.Formulas]]]:
        """Start finding, on another core while the values read are parsed (numpy lets the
        interpreter go on meanwhile), the formula cells of each tab read in pieces: a refresh
        asks for those never calculated whenever a required cell reads blank."""
        if not self._rows_xml or not _spare_core():
            return {}

        def find(xml: tuple[list[bytes], bytes]) -> list[xlsx_sheet_scan.Formulas]:
            texts, prefix = xml
            return [xlsx_sheet_scan.formulas(text, prefix) for text in texts]

        return _in_background("formula-cells", find, self._rows_xml)

    def _look_for_formulas(self, parts: Mapping[str, str],
                           package: bytes | None) -> dict[str, Future[set[int]]]:
        """Start finding, on another core while the reader reads the tabs (it lets other
        threads run), which columns of each large tab hold formulas never calculated: a
        refresh asks for them whenever a required cell reads blank, and a tab with none in
        the columns asked is then not read again."""
        if not _spare_core():
            return {}

        def source() -> zipfile.ZipFile:
            return zipfile.ZipFile(io.BytesIO(package) if package is not None else self.path)

        with source() as zf:
            sizes = {info.filename: info.file_size for info in zf.infolist()}
        large = {tab: part for tab, part in parts.items()
                 if sizes.get(part, 0) >= _LOOK_AHEAD_BYTES}
        if not large:
            return {}

        def search(part: str) -> set[int]:
            with source() as zf:
                return xlsx_sheet_scan.uncalculated_columns(zf, part)

        return _in_background("formulas", search, large)

    def _wait_for_formulas(self) -> None:
        """Let a search still under way finish, so no handle on the file stays open."""
        wait(self._formulas.values())
        self._formulas = {}

    def _without(self, unread: list[pkg.SheetPart]) -> bytes:
        """The package in memory without the tabs the reader cannot read (Excel 4.0 macro
        sheets and others): their entries leave the tab list, their parts the package."""
        out = io.BytesIO()
        drop = {s.part for s in unread}
        with zipfile.ZipFile(self.path) as zf, open(self.path, "rb") as raw:
            wb_path = pkg.workbook_part(zf.read("[Content_Types].xml"), zf.read("_rels/.rels"))
            workbook = pkg.remove_sheet_entries(zf.read(wb_path).decode("utf-8"),
                                                {s.rel_id for s in unread})
            writer = RawZipWriter(out)
            for info in zf.infolist():
                if info.filename == wb_path:
                    writer.add(wb_path, workbook.encode())
                elif info.filename not in drop:
                    writer.copy(zf, info, raw)
            writer.close()
        return out.getvalue()

    def _damaged(self, tab: str | None, exc: Exception) -> NotAWorkbook:
        """The error for a package the reader refuses (the reader's own words go to the log)."""
        log.debug("reader error in %s: %s", self.path, exc)
        fix = "open it in Excel, let Excel repair it, and save it"
        if tab is None:
            return NotAWorkbook(f"{self.path.name} cannot be read: the file is damaged; {fix}")
        part = {s.name: s.part for s in self._package_sheets()}.get(tab, "its sheet part")
        return NotAWorkbook(
            f"{self.path.name}: tab {tab!r} cannot be read: {part} is damaged; {fix}")

    def check_unlocked(self) -> None:
        """Raise WorkbookLocked when Excel has the workbook open, WorkbookReadOnly when the
        file or its folder cannot be written."""
        lock = lock_file(self.path)
        if lock is not None:
            raise WorkbookLocked(
                f"{self.path.name} is open in Excel (lock file {lock.name}); close it and "
                "refresh again, or use the Refresh button inside Excel"
            )
        xlsx_file.check_writable(self.path)

    def write(self, tabs: Mapping[str, Rows]) -> None:
        """Replace the owned tabs' cells, create missing ones, and swap the file atomically."""
        self.check_unlocked()
        self._wait_for_formulas()
        self._rows_xml = {}
        self._formula_cells = {}
        # read whole, so no handle on the file is open at the replace (Windows refuses it)
        package = self.path.read_bytes()
        raw = io.BytesIO(package)
        with zipfile.ZipFile(raw) as zf, _OtherCore() as other:
            names = set(zf.namelist())
            wb_path = pkg.workbook_part(zf.read("[Content_Types].xml"), zf.read("_rels/.rels"))
            wb_rels_path = pkg.rels_path(wb_path)
            styles = pkg.find_styles(
                zf.read("xl/styles.xml") if "xl/styles.xml" in names else None,
                pkg.uses_1904(zf.read(wb_path)))
            sheets = {s.name: s for s in self._package_sheets()}
            replaced: dict[str, bytes] = {}
            workbook_raw = zf.read(wb_path)
            strict = pkg.is_strict(workbook_raw)
            self._check_can_add([tab for tab in tabs if tab not in sheets], workbook_raw)
            workbook_xml = workbook_raw.decode("utf-8")
            rels_xml = zf.read(wb_rels_path).decode("utf-8")
            types_xml = zf.read("[Content_Types].xml").decode("utf-8")
            next_id = max((s.sheet_id for s in sheets.values()), default=0) + 1
            # each owned tab's present part (a long tab's is as long as its new one) is
            # inflated, and each new part compressed, on the other core while the main
            # thread turns the next tab's cells into XML
            source = io.BytesIO(package)  # the other core's reader: this one is used meanwhile
            present = {sheets[tab].part: other.start(read_entry, zf, zf.getinfo(
                sheets[tab].part), source) for tab in tabs if tab in sheets}
            compressed: dict[str, tuple[bytes, Callable[[], Deflated]]] = {}
            for tab, rows in tabs.items():
                data_xml, dimension = pkg.sheet_data_xml(rows, styles)
                if tab in sheets:
                    part = sheets[tab].part
                    old = present[part]().decode("utf-8")
                    replaced[part] = pkg.replace_sheet_data(old, data_xml, dimension).encode()
                    compressed[part] = (replaced[part], other.start(deflate, replaced[part]))
                    continue
                part = _free_name(names | set(replaced), types_xml, "xl/worksheets/sheet{}.xml")
                rel_id = pkg.free_rel_id(rels_xml)
                workbook_xml, rels_xml, types_xml = pkg.add_sheet_entries(
                    workbook_xml, rels_xml, types_xml, tab, next_id, rel_id, part, wb_path,
                    strict)
                next_id += 1
                replaced[part] = pkg.new_sheet_xml(data_xml, dimension, strict).encode()
                compressed[part] = (replaced[part], other.start(deflate, replaced[part]))
            workbook_new = pkg.ensure_full_calc_on_load(workbook_xml)
            if workbook_new != zf.read(wb_path).decode("utf-8"):
                replaced[wb_path] = workbook_new.encode()
            dropped = _drop_calc_chain(names, rels_xml, types_xml, replaced, wb_rels_path)
            if rels_xml != zf.read(wb_rels_path).decode("utf-8") and wb_rels_path not in replaced:
                replaced[wb_rels_path] = rels_xml.encode()
            if (types_xml != zf.read("[Content_Types].xml").decode("utf-8")
                    and "[Content_Types].xml" not in replaced):
                replaced["[Content_Types].xml"] = types_xml.encode()
            self._swap(zf, raw, replaced, dropped, other, compressed)
        self._sheets = None

    def _check_can_add(self, missing: list[str], workbook_xml: bytes) -> None:
        """Refuse to add tabs to a workbook whose structure is protected, as Excel would."""
        if missing and pkg.structure_locked(workbook_xml):
            listed = ", ".join(repr(tab) for tab in missing if not tab.startswith("_"))
            raise WorkbookUnusable(
                f"{self.path.name}: the workbook's structure is protected (Review > Protect "
                f"Workbook), so sheets-funnel cannot add its tabs {listed or repr(missing[0])}; "
                "nothing was written. Unprotect the workbook, refresh once, and protect it "
                "again: later refreshes only rewrite tabs that exist")

    def _swap(self, zf: zipfile.ZipFile, raw: Any, replaced: dict[str, bytes],
              dropped: set[str], other: _OtherCore,
              compressed: Mapping[str, tuple[bytes, Callable[[], Deflated]]]) -> None:
        label = self.path.name
        jobs = {name: started[1] if (started := compressed.get(name)) and started[0] is data
                else other.start(deflate, data) for name, data in replaced.items()}
        # each compressed part must inflate back to its checked XML: the other core inflates
        # those it compressed until this thread, done checking the XML, takes the rest
        taken: dict[str, str] = {}

        def inflate_back(name: str, by: str) -> None:
            if taken.setdefault(name, by) == by:
                xlsx_check.check_inflates(label, name, jobs[name](), replaced[name])

        inflated = [other.start(inflate_back, name, "other") for name in jobs]
        xlsx_check.check_parts(label, replaced)  # while the other core compresses them
        for name in jobs:
            inflate_back(name, "main")
        for done in inflated:
            done()
        entries = {name: job() for name, job in jobs.items()}

        def write(out: BinaryIO) -> None:
            writer = RawZipWriter(out)
            now = dt.datetime.now().timetuple()[:6]
            seen = set()
            for info in zf.infolist():
                seen.add(info.filename)
                if info.filename in dropped:
                    continue
                if info.filename in entries:
                    writer.add_deflated(info.filename, entries[info.filename], now)
                else:
                    writer.copy(zf, info, raw)
            for name, entry in entries.items():
                if name not in seen:
                    writer.add_deflated(name, entry, now)
            writer.close()

        def verify(name: str) -> None:
            xlsx_check.check_package(name, label, entries)

        xlsx_file.replace_atomically(self.path, write, verify)


def _in_background(name: str, work: Callable[[_A], _T],
                   items: Mapping[str, _A]) -> dict[str, Future[_T]]:
    """``work`` done on each item in turn, on one thread of its own that ends when done;
    the future of each item's result by its key."""
    pool = ThreadPoolExecutor(1, name)
    try:
        return {key: pool.submit(work, item) for key, item in items.items()}
    finally:
        pool.shutdown(wait=False)


def _spare_core() -> bool:
    """True when this process may run on more than one processor core."""
    return split_read.usable_cores() > 1


class _OtherCore:
    """Work done on a second processor core while the main thread goes on (zlib lets other
    threads run meanwhile); where the process has one core, when its result is asked for."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, "package") if _spare_core() else None

    def __enter__(self) -> _OtherCore:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def start(self, work: Callable[..., _T], *args: Any) -> Callable[[], _T]:
        """The work begun, in order after the work begun before; what is returned gives its
        result (waiting for it)."""
        if self._pool is None:
            return functools.partial(work, *args)
        return self._pool.submit(work, *args).result


def _free_name(used: set[str], types_xml: str, pattern: str) -> str:
    """A part name neither in the package nor named by a stale content-type override."""
    n = 1
    while pattern.format(n) in used or f'"/{pattern.format(n)}"' in types_xml:
        n += 1
    return pattern.format(n)


def _drop_calc_chain(names: set[str], rels_xml: str, types_xml: str,
                     replaced: dict[str, bytes], wb_rels_path: str) -> set[str]:
    """Drop the formula calculation chain, which Excel rebuilds; owned cells changed."""
    wb_path = posixpath.join(posixpath.dirname(posixpath.dirname(wb_rels_path)),
                             posixpath.basename(wb_rels_path)[: -len(".rels")])
    chains = {path for kind, path in pkg.relationships(rels_xml.encode(), wb_path).values()
              if kind == "calcChain"} & names
    if not chains:
        return set()
    rels_new = re.sub(r"""<(?:[\w.-]+:)?Relationship\b[^>]*Type\s*=\s*["'][^"']*/calcChain["']"""
                      r"[^>]*/>", "", rels_xml)
    types_new = types_xml
    for chain in chains:
        types_new = re.sub(rf"""<(?:[\w.-]+:)?Override\b[^>]*PartName\s*=\s*["']/"""
                           rf"""{re.escape(chain)}["'][^>]*/>""", "", types_new)
    replaced[wb_rels_path] = rels_new.encode()
    replaced["[Content_Types].xml"] = types_new.encode()
    return chains
