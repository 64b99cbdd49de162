"""Render a filled form to PDF with fpdf2 (imported lazily: it is slow to import)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def _latin1(text: str) -> str:
    # The built-in PDF fonts cover Latin-1 only; other characters print as "?".
    return text.encode("latin-1", "replace").decode("latin-1")


def _shown(field: dict[str, Any], value: Any) -> str:
    if field["dataType"] == "boolean":
        return "Yes" if value else "No"
    return str(value) if value not in (None, "") else "-"


def render_pdf(render: dict[str, Any]) -> bytes:
    """Return the PDF bytes of a render row: template name, date, each label and value."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    fields = json.loads(render["fields"])
    values = json.loads(render["field_values"])
    created = datetime.fromtimestamp(render["created_at"], UTC)
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(render["template_name"]))
    pdf.set_creator("Craftkit emulator")
    pdf.set_creation_date(created)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 10, _latin1(render["template_name"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 6, f"Completed {created:%Y-%m-%d %H:%M} UTC  -  version "
                   f"{render['template_version']}  -  render {render['id']}",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_text_color(0, 0, 0)
    for field in fields:
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(0, 6, _latin1(field["label"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", "", 11)
        shown = _shown(field, values.get(field["key"]))
        pdf.multi_cell(0, 6, _latin1(shown), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
    return bytes(pdf.output())
