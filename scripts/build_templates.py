"""Build the ready-made pipeline workbooks in templates/ (English and Russian).

Run: .venv/bin/python scripts/build_templates.py
"""

from __future__ import annotations

from pathlib import Path

from sheets_funnel.templates import build_workbook

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def main() -> None:
    """Write templates/pipeline-en.xlsx and templates/pipeline-ru.xlsx."""
    TEMPLATES.mkdir(exist_ok=True)
    for lang in ("en", "ru"):
        path = build_workbook(TEMPLATES / f"pipeline-{lang}.xlsx", lang)  # type: ignore[arg-type]
        print(f"wrote {path.relative_to(TEMPLATES.parent)}")


if __name__ == "__main__":
    main()
