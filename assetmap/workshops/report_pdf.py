"""The report pack as a PDF (reportlab): title, the map, the prompts, who came, the area's figures, the notes by
kind with their votes and comments, and the actions agreed.

Every piece of user text goes through `_text` (XML-escaped): reportlab's Paragraph reads its text as markup, so a
note saying `<b>` or `&` must arrive as characters. The font is the DejaVu Sans that matplotlib ships (so it is
always there): embedded, it prints names in any Latin, Greek or Cyrillic script, which the PDF's base fonts do not.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import report_maps
from .report import Report, balance, long_date, money, number

FONT = "AssetMapSans"
MARGIN = 1.8 * cm
GREY, INK, LINE = colors.HexColor("#4a4a48"), colors.HexColor("#1d1d1b"), colors.HexColor("#c8c8c4")


@cache
def _fonts() -> str:
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    faces = {"": "DejaVuSans", "-Bold": "DejaVuSans-Bold", "-Italic": "DejaVuSans-Oblique",
             "-BoldItalic": "DejaVuSans-BoldOblique"}
    for suffix, file in faces.items():
        pdfmetrics.registerFont(TTFont(FONT + suffix, str(folder / f"{file}.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT + "-Bold", italic=FONT + "-Italic",
                                  boldItalic=FONT + "-BoldItalic")
    return FONT


@cache
def _styles() -> dict[str, ParagraphStyle]:
    font = _fonts()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=12.5, spaceAfter=3)
    return {
        "body": body,
        "title": ParagraphStyle("title", parent=body, fontName=font + "-Bold", fontSize=19, leading=23, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=body, fontName=font + "-Bold", fontSize=13.5, leading=17, spaceBefore=10,
                             spaceAfter=4, keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=body, fontName=font + "-Bold", fontSize=11, leading=14, spaceBefore=7,
                             spaceAfter=3, keepWithNext=1),
        "meta": ParagraphStyle("meta", parent=body, fontSize=8.5, leading=11, textColor=GREY, leftIndent=14),
        "comment": ParagraphStyle("comment", parent=body, fontSize=8.5, leading=11, leftIndent=26),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
    }


def _text(value) -> str:
    """User text as Paragraph markup that shows exactly these characters."""
    return escape(str(value)).replace("\n", "<br/>")


def _table(header: list[str], rows: list[list], widths: list[float]) -> Table:
    cell = _styles()["cell"]
    data = [[Paragraph(f"<b>{h}</b>", cell) for h in header]]
    data += [[Paragraph(_text(c), cell) for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK), ("LINEBELOW", (0, 1), (-1, -1), 0.3, LINE),
                               ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))
    return table


def build(report: Report, map_png: bytes | None = None) -> bytes:
    """The PDF's bytes; `map_png` when the caller has drawn the map already."""
    s = _styles()
    w = report.workshop
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=w.title, author=w.facilitator_name, subject="Workshop report",
                            creator="AssetMap")
    width = doc.width
    png = map_png if map_png is not None else report_maps.render(report)
    people = sum(o["people"] for o in report.organisations)
    story: list = [
        Paragraph(_text(w.title), s["title"]),
        Paragraph(f"Workshop {w.code}, held on {long_date(w.created_at)}, facilitated by {_text(w.facilitator_name)}. "
                  f"Report made on {long_date(report.generated_at)}: {len(report.notes)} notes from {people} "
                  "participants.", s["body"]),
        Image(io.BytesIO(png), width=width, height=width * report_maps.HEIGHT_IN / report_maps.WIDTH_IN),
        Paragraph("The workshop's area and neighbourhoods; each note in its kind's colour, with its number in this "
                  "report.", s["meta"]),
        Paragraph("Rounds and prompts", s["h2"]),
    ]
    story += [Paragraph(f"<b>Round {r['number']}.</b> {_text(r['prompt'])} ({r['notes']} notes)", s["body"])
              for r in report.rounds]
    story.append(Paragraph("Who came", s["h2"]))
    if report.organisations:
        story.append(_table(["Organisation", "People"], [[o["organisation"], o["people"]]
                                                           for o in report.organisations], [width * 0.7, width * 0.2]))
    else:
        story.append(Paragraph("Nobody joined apart from the facilitator.", s["body"]))
    story += _figures(report, width)
    story.append(Paragraph("Notes", s["h2"]))
    for group in report.groups:
        story.append(Paragraph(f"{_text(group.label)} ({len(group.notes)})", s["h3"]))
        if not group.notes:
            story.append(Paragraph("No notes of this kind.", s["meta"]))
        for n in group.notes:
            who = n.author + (f", {n.organisation}" if n.organisation else "")
            block = [Paragraph(f"<b>{n.number}.</b> {_text(n.text)}", s["body"]),
                     Paragraph(f"{n.votes} vote{'' if n.votes == 1 else 's'} · {_text(who)} · round {n.round + 1}",
                               s["meta"])]
            block += [Paragraph(f"“{_text(c.text)}” — {_text(c.author)}"
                                + (f", {_text(c.organisation)}" if c.organisation else ""), s["comment"])
                      for c in n.comments]
            story.append(KeepTogether(block))
    story.append(Paragraph("Actions agreed", s["h2"]))
    if report.actions:
        story.append(_table(["Action", "Who", "Note"],
                            [[a["text"], a["owner"] or "—", a["note"] or "—"] for a in report.actions],
                            [width * 0.62, width * 0.26, width * 0.1]))
    else:
        story.append(Paragraph("No actions were recorded.", s["body"]))

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(_fonts(), 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, MARGIN / 2, f"AssetMap workshop {w.code}: {w.title}"[:110])
        canvas.drawRightString(A4[0] - MARGIN, MARGIN / 2, f"Page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _figures(report: Report, width: float) -> list:
    s = _styles()
    f = report.figures
    out: list = [Paragraph("The area in figures", s["h2"])]
    if not f.neighbourhoods:
        return out + [Paragraph("No figures: the workshop's area covers no neighbourhood on the map.", s["body"])]
    people = sum(h["population"] or 0 for h in f.neighbourhoods)
    out.append(Paragraph("Neighbourhoods: " + _text(", ".join(h["name"] for h in f.neighbourhoods))
                         + (f" ({number(people)} residents)." if people else "."), s["body"]))
    out.append(Paragraph(f"{f.services} services from {len(f.agencies)} agencies reach the area; {f.pairs} pairs of "
                         f"their catchments overlap in it, {f.candidate_count} of them pooling candidates (different "
                         "agencies serving a client group in common).", s["body"]))
    if f.candidates:
        out += [Spacer(0, 3), _table(
            ["Service", "Overlaps with", "Residents in both", "Client groups in common"],
            [[f"{p['service_a']} ({p['agency_a']})", f"{p['service_b']} ({p['agency_b']})", number(p["people"]),
              ", ".join(p["shared_client_groups"])] for p in f.candidates],
            [width * 0.3, width * 0.3, width * 0.14, width * 0.26])]
    out.append(Paragraph("Spend", s["h3"]))
    if f.spend is None:
        out.append(Paragraph("No figures: no spend or no residents are recorded for these neighbourhoods.", s["body"]))
    else:
        out.append(Paragraph(f"{money(f.spend['total'])} a year reaches the area's {number(f.spend['population'])} "
                             f"residents: <b>{money(f.spend['per_resident'])} per resident</b>.", s["body"]))
        out.append(_table(["Kind of agency", "A year", "Per resident"],
                          [[k, money(v), money(v / f.spend["population"])] for k, v in f.spend["by_agency_kind"]],
                          [width * 0.5, width * 0.22, width * 0.22]))
    out.append(Paragraph("Spare capacity against need, a week", s["h3"]))
    if not f.capacity:
        out.append(Paragraph("No figures: no spare capacity or need is recorded here.", s["body"]))
    else:
        out.append(_table(["Kind", "Counted in", "Offered", "Needed", "Surplus or shortfall"],
                          [[c["kind"], c["unit"], number(c["supply"]), number(c["need"]), balance(c["balance"])]
                           for c in f.capacity], [width * x for x in (0.22, 0.22, 0.14, 0.14, 0.26)]))
    return out
