"""The files that come with sheets-funnel, and the VBA project of a new ``.xlsm`` workbook.

``templates/`` of the source tree is installed as the package ``sheets_funnel.template_files``
(package data of the wheel): the ready-made workbooks, ``excel/`` (the VBA module, its
project, the xlwings Lite script), ``google/`` and ``scheduling/``. Run from a source tree,
the same files are read from ``templates/`` beside the package.

A new ``.xlsm`` workbook gets one of two VBA projects, both with ``RefreshFunnel.bas`` behind
the "Refresh funnel" button:

- **with the add-in** (the default): ``excel/vbaProject.bin``, whose ``RunPython`` comes from
  the xlwings add-in through a reference in the project;
- **standalone**: xlwings' own VBA (its ``xlwings`` module and ``Dictionary`` class) inside
  the workbook, as ``xlwings quickstart --standalone`` makes it, so no add-in is needed. It
  is taken from the installed xlwings, whose version it must match.
"""

from __future__ import annotations

import zipfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from .errors import BackendMissing
from .vba_project import build_vba_project, module_kinds, read_cfb

#: The macro the button on the Funnel tab runs (``Sub RefreshFunnel`` in RefreshFunnel.bas).
BUTTON_MACRO = "RefreshFunnel"
#: The sample module of xlwings' quickstart workbooks, which sheets-funnel's replaces.
_QUICKSTART_SAMPLE = "Module1"


def template_file(*parts: str) -> Traversable:
    """A file that comes with sheets-funnel, e.g. ``template_file("excel", "vbaProject.bin")``."""
    found = _templates()
    for part in parts:  # one at a time: a namespace package's joinpath takes only one
        found = found.joinpath(part)
    return found


def _templates() -> Traversable:
    try:
        return resources.files("sheets_funnel.template_files")
    except ModuleNotFoundError:  # run from a source tree (or an editable install): templates/
        return Path(__file__).resolve().parent.parent / "templates"


def refresh_module_source() -> str:
    """The VBA module behind the button (``RefreshFunnel.bas``)."""
    return template_file("excel", "RefreshFunnel.bas").read_bytes().decode("cp1252")


def vba_project(standalone: bool = False) -> bytes:
    """The ``vbaProject.bin`` of a new .xlsm workbook: with the add-in, or standalone."""
    if not standalone:
        return template_file("excel", "vbaProject.bin").read_bytes()
    return standalone_vba_project(xlwings_quickstart("quickstart_standalone.xlsm"))


def standalone_vba_project(base: bytes) -> bytes:
    """RefreshFunnel.bas in the VBA project ``base`` of xlwings' standalone quickstart.

    Keeps every module of ``base`` but its sample module: xlwings' ``xlwings`` module and
    ``Dictionary`` class, which provide ``RunPython`` without the add-in.
    """
    kinds = module_kinds(read_cfb(base)["PROJECT"])
    keep = [m for m, kind in kinds.items() if kind != "Document" and m != _QUICKSTART_SAMPLE]
    return build_vba_project(base, refresh_module_source(), keep=keep)


def xlwings_quickstart(name: str) -> bytes:
    """The ``vbaProject.bin`` of a quickstart workbook of the installed xlwings package."""
    try:
        import xlwings
    except ImportError:
        raise BackendMissing(
            "the standalone workbook takes xlwings' VBA from the installed xlwings: "
            "pip install 'sheets-funnel[excel]' (or pip install xlwings)") from None
    path = Path(xlwings.__file__).parent / name
    if not path.is_file():
        raise BackendMissing(f"the installed xlwings {xlwings.__version__} has no {name}; "
                             "install a newer xlwings")
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/vbaProject.bin")
