Attribute VB_Name = "SheetsFunnel"
' sheets-funnel: the macro behind the "Refresh funnel" button on the Funnel tab.
' RunPython comes from xlwings: from the xlwings add-in (Tools > References >
' xlwings), or, in a workbook made with "sheets-funnel new Team.xlsm --standalone",
' from the xlwings module inside this workbook.
' Setup, once per computer: install sheets-funnel with its "excel" extra into
' Python (docs/excel.md), then run "xlwings addin install".
' The refresh reads the Pipeline and Settings tabs and rewrites only the
' Funnel, Focus and History tabs. Problems are shown in a message box.
Option Explicit

Sub RefreshFunnel()
    RunPython "import sheets_funnel.excel_macro as m; m.refresh_button()"
End Sub
