Attribute VB_Name = "SheetsFunnel"
' sheets-funnel: the macro behind the "Refresh funnel" button on the Funnel tab.
' It runs Python through the xlwings add-in (Tools > References > xlwings).
' Setup, once per computer:
'     pip install "sheets-funnel[excel]"
'     xlwings addin install
' The refresh reads the Pipeline and Settings tabs and rewrites only the
' Funnel, Focus and History tabs. Problems are shown in a message box.
Option Explicit

Sub RefreshFunnel()
    RunPython "import sheets_funnel.excel_macro as m; m.refresh_button()"
End Sub
