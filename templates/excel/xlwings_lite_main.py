"""sheets-funnel for xlwings Lite (Python inside Excel, no local Python needed).

Paste this file into the main.py tab of the xlwings Lite add-in, and add these
two lines to its requirements.txt tab (then restart xlwings Lite when asked);
sheets-funnel is not on PyPI, so the second line is the address where your team
hosts the wheel that ./scripts/build-dist makes (docs/excel.md):

    xlwings
    https://files.example.com/sheets-funnel/sheets_funnel-0.1.0-py3-none-any.whl

With the pipeline workbook open, pick "refresh_funnel" in the add-in and click
Run (or press F5). The Funnel, Focus and History tabs are rewritten; the
Pipeline and Settings tabs are only read. The Output pane shows a one-line
summary, or the message that says why nothing was written.
"""

import xlwings as xw
from xlwings import script

from sheets_funnel.excel_macro import refresh_book, summary_line


@script
def refresh_funnel(book: xw.Book):
    """Refresh the Funnel, Focus and History tabs of this workbook."""
    outcome = refresh_book(book)
    if outcome is not None:
        print(summary_line(outcome))
