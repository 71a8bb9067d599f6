"""Which existing tabs a refresh may replace: the owned tabs sheets-funnel wrote, never a tab
of the same name that the user made.

Tab names are compared as the spreadsheet compares them (any case), so a user's ``funnel``
tab *is* the Funnel tab. sheets-funnel recognises its own tabs by the hidden state tab
(``_funnel_state``): every refresh writes it together with Funnel, Focus and History, and
the templates (``sheets-funnel new``, ``new --google``) carry it from the start. In a
workbook with the state tab, the owned tabs are sheets-funnel's. In a workbook without it,
an existing Funnel, Focus or History tab was made by someone else, and the refresh stops
before anything is written, unless the user adopts those tabs (``--adopt-tabs``): the
refresh then replaces them and writes the state tab, so the next refreshes need nothing.
"""

from __future__ import annotations

from .errors import WorkbookUnusable
from .model import STATE_TAB, TABS, Lang, find_tab


class TabNotOwned(WorkbookUnusable):
    """A tab with an owned name exists, and sheets-funnel did not write it."""


def foreign_tabs(names: list[str], lang: Lang) -> list[str]:
    """The existing tabs with an owned name that sheets-funnel did not write (actual names)."""
    if find_tab(names, STATE_TAB) is not None:
        return []
    tabs = TABS[lang]
    return [found for wanted in (tabs.funnel, tabs.focus, tabs.history)
            if (found := find_tab(names, wanted)) is not None]


def check_owned_tabs(label: str, names: list[str], lang: Lang) -> None:
    """Raise TabNotOwned when a refresh would replace a tab sheets-funnel did not write."""
    foreign = foreign_tabs(names, lang)
    if not foreign:
        return
    listed = ", ".join(repr(name) for name in foreign)
    these, they, them, hold = (("tab", "it", "it", "holds") if len(foreign) == 1
                               else ("tabs", "they", "them", "hold"))
    raise TabNotOwned(
        f"{label} has the {these} {listed}, which sheets-funnel did not write; a refresh "
        f"replaces the whole content of its Funnel, Focus and History tabs, so nothing was "
        f"written. Rename the {these} to keep what {they} {hold}, or refresh once with "
        f"--adopt-tabs to let sheets-funnel replace {them} from now on")
