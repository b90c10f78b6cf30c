"""DOCX from the справка's document model (reports/document.py), written directly as
WordprocessingML: document.xml built as text from the model, a fixed package around it
(styles, settings, footer with the page number, properties), zipped with zipfile.

What an official gets: real Word headings and paragraphs (Times New Roman 13 pt, A4 with
the print CSS's margins, landscape for the plan report), tables with their column widths
from the content (no column narrower than its longest word, reports/layout.py) written to
the grid and to every cell, rows that never split, a header row repeated on every page,
merged cells for colspan and rowspan, headings kept with the next paragraph, the closing
block (last paragraph, note, signature, executor) kept together, the date line and the
signature as tabbed paragraphs, numbered lists as text with a hanging indent, charts as
native Word charts 16 cm wide (word/charts/chartN.xml, the figures cached: Word and
LibreOffice draw them, the analyst restyles them; no raster), a picture that is not a
chart drawn here (an SVG read back from HTML, a PNG) as SVG with its PNG fallback.

The output is byte-stable for the same HTML (fixed properties and zip timestamps). About
a hundredth of a second a справка, where python-docx's object model took half a second
(docs/documents.md).
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile
from xml.sax.saxutils import escape

from reports import charts, layout, typography
from reports.document import BOLD, BR, ITALIC, SMALL, SUP, Block, Document, Run, Table, parse

TEXT_WIDTH_CM = layout.TEXT_WIDTH_CM
TWIPS_PER_CM = 1440 / 2.54
EMU_PER_CM = 360000
PICTURE_CM = 16.0
# a chart is embedded as SVG (Office 2016's svgBlip extension, read by Word 2016+ and
# LibreOffice) with its PNG as the fallback every DOCX reader shows when it cannot
SVG_EXT = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
SVG_NS = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"
CELL_PT = layout.TABLE_PT
_ESC = {'"': "&quot;"}
SHY = "\u00ad"


def _twips(cm: float) -> int:
    return int(cm * TWIPS_PER_CM)


def _x(text: str) -> str:
    return escape(text, _ESC)


@functools.lru_cache(maxsize=256)
def _rpr(f: int, base_pt: float | None) -> str:
    """A run's properties for its flags and the block's size (a handful of combinations)."""
    props = []
    if f & BOLD:
        props.append("<w:b/>")
    if f & ITALIC:
        props.append("<w:i/>")
    size = layout.SMALL_PT if f & SMALL else base_pt
    if size:
        half = int(round(size * 2))
        props.append(f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>')
    if f & SUP:
        props.append('<w:vertAlign w:val="superscript"/>')
    return f"<w:rPr>{''.join(props)}</w:rPr>" if props else ""


def _inline(cx: int, cy: int, docpr_id: int, name: str, locks: str, uri: str, graphic: str) -> str:
    """A run with an inline drawing cx × cy EMU: a picture or a chart."""
    return (f'<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
            f'<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="{docpr_id}" name="{name}"/>'
            f'<wp:cNvGraphicFramePr>{locks}</wp:cNvGraphicFramePr><a:graphic><a:graphicData uri="{uri}">{graphic}'
            "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>")


class _Writer:
    def __init__(self, doc: Document):
        self.doc = doc
        self.body: list[list] = []  # paragraphs as [pPr parts, runs xml]; tables as [None, xml]
        self.media: list[bytes] = []
        self.svgs: dict[int, str] = {}  # picture number → the chart's SVG, beside its PNG
        self.charts: list[str] = []  # word/charts/chartN.xml, the native charts

    # runs ------------------------------------------------------------------------------
    def runs(self, runs: list[Run], base_pt: float | None = None, flags: int = 0) -> str:
        out = []
        for r in runs:
            if r.image is not None:
                out.append(self.picture(r.image))
                continue
            text = r.text
            if not text:
                continue
            rpr = _rpr(r.flags | flags, base_pt)
            if text == BR:
                out.append(f"<w:r>{rpr}<w:br/></w:r>")
            else:
                text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
                if SHY in text:  # a soft hyphen (U+00AD: «&shy;» in a template) is Word's optional hyphen
                    text = text.replace(SHY, '</w:t><w:softHyphen/><w:t xml:space="preserve">')
                out.append(f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>')
        return "".join(out)

    def picture(self, src: str) -> str:
        spec = charts.spec_for(src)
        if spec is not None:
            return self.chart(spec)
        png = charts.png_for(src)
        if png is None:
            return ""
        self.media.append(png)
        n = len(self.media)
        svg = charts.svg_for(src)
        if svg is not None:  # the chart itself (Word 2016+, LibreOffice); the PNG is the fallback
            self.svgs[n] = svg
            ext = (f'<a:extLst><a:ext uri="{SVG_EXT}"><asvg:svgBlip xmlns:asvg="{SVG_NS}" r:embed="rIdSvg{n}"/>'
                   '</a:ext></a:extLst>')
        else:
            ext = ""
        w_px, h_px = struct.unpack(">II", png[16:24])
        cx = int(PICTURE_CM * EMU_PER_CM)
        cy = int(cx * h_px / max(w_px, 1))
        return _inline(cx, cy, n, f"Picture {n}", '<a:graphicFrameLocks noChangeAspect="1"/>',
                       "http://schemas.openxmlformats.org/drawingml/2006/picture",
                       f'<pic:pic><pic:nvPicPr><pic:cNvPr id="{n}" name="image{n}.png"/><pic:cNvPicPr/></pic:nvPicPr>'
                       f'<pic:blipFill><a:blip r:embed="rIdImage{n}">{ext}</a:blip><a:stretch><a:fillRect/></a:stretch>'
                       f'</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
                       '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>')

    def chart(self, spec: charts.Spec) -> str:
        """A native Word chart (DrawingML): its figures cached in word/charts/chartN.xml,
        drawn by Word and LibreOffice, restyled by the analyst; no raster."""
        self.charts.append(chart_xml(spec))
        n = len(self.charts)
        return _inline(int(PICTURE_CM * EMU_PER_CM), int(_chart_cm(spec) * EMU_PER_CM), 1000 + n, f"Chart {n}", "",
                       _C, f'<c:chart xmlns:c="{_C}" r:id="rIdChart{n}"/>')

    # paragraphs --------------------------------------------------------------------------
    def para(self, runs_xml: str, style: str = "", keep: bool = False, tabs: str = "", spacing: str = "",
             indent: str = "", jc: str = "") -> list:
        p = [style, keep, tabs, spacing, indent, jc]
        entry = [p, runs_xml]
        self.body.append(entry)
        return entry

    @staticmethod
    def ppr(p) -> str:
        style, keep, tabs, spacing, indent, jc = p
        parts = []
        if style:
            parts.append(f'<w:pStyle w:val="{style}"/>')
        if keep:
            parts.append("<w:keepNext/>")
        if tabs:
            parts.append(f"<w:tabs>{tabs}</w:tabs>")
        if spacing:
            parts.append(f"<w:spacing {spacing}/>")
        if indent:
            parts.append(f"<w:ind {indent}/>")
        if jc:
            parts.append(f'<w:jc w:val="{jc}"/>')
        return f"<w:pPr>{''.join(parts)}</w:pPr>" if parts else ""

    def block(self, b: Block) -> None:
        k = b.kind
        if k == "pagebreak":
            self.para('<w:r><w:br w:type="page"/></w:r>')
        elif k == "heading":
            self.para(self.runs(b.runs), style=f"Heading{b.level}", jc="center" if b.level == 1 else "")
        elif k == "para":
            if b.style == "letterhead":
                self.para(self.runs(b.runs, flags=BOLD), indent='w:firstLine="0"', jc="center")
            elif b.style == "note":
                self.para(self.runs(b.runs), indent='w:firstLine="0"')
            elif b.style == "center":
                self.para(self.runs(b.runs), indent='w:firstLine="0"', jc="center")
            else:
                self.para(self.runs(b.runs))
        elif k == "tabbed":
            # left part, a right-aligned tab, the right part: one paragraph, so «keep with
            # next» holds the signature to the text above it
            xml = '<w:r><w:tab/></w:r>'.join(self.runs(p) for p in b.parts)
            before = 'w:before="480" ' if b.style == "signature" else ""
            self.para(xml, tabs=f'<w:tab w:val="right" w:pos="{_twips(self.doc.width_cm)}"/>',
                      spacing=f'{before}w:after="240"', indent='w:firstLine="0"', jc="left")
        elif k == "list":
            for n, item in enumerate(b.parts, 1):
                mark = f"{n}." if b.level else "•"
                self.para(f'<w:r><w:t xml:space="preserve">{mark}</w:t></w:r><w:r><w:tab/></w:r>{self.runs(item)}',
                          tabs='<w:tab w:val="left" w:pos="425"/>', indent='w:left="425" w:hanging="425"')
        elif k == "figure":
            if b.image:
                self.para(self.picture(b.image), keep=bool(b.caption), indent='w:firstLine="0"', jc="center")
            if b.caption:
                self.para(self.runs(b.caption), indent='w:firstLine="0"', jc="center")
        elif k == "table":
            self.table(b.table)
            self.para("", spacing='w:after="40"')
        elif k == "group":
            if b.style == "closing":
                # the last paragraph of the text, the note, the signature and the executor
                # stay on one page
                last = next((e for e in reversed(self.body) if e[0] is not None), None)
                if last is not None:
                    last[0][1] = True
                first = len(self.body)
                for child in b.blocks:
                    self.block(child)
                for e in self.body[first:-1]:
                    if e[0] is not None:
                        e[0][1] = True
            else:  # the covering letter: its own page
                for child in b.blocks:
                    self.block(child)
                self.para('<w:r><w:br w:type="page"/></w:r>')

    def table(self, t: Table) -> None:
        widths = [_twips(w) for w in t.widths]
        out = ['<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
               '<w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" '
               'w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>']
        out += [f'<w:gridCol w:w="{w}"/>' for w in widths]
        out.append("</w:tblGrid>")
        for cells, is_head in t.rows:
            out.append("<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if is_head else "") + "</w:trPr>")
            col = 0
            for c in cells:
                w = sum(widths[col:col + c.colspan])
                pr = [f'<w:tcW w:w="{w}" w:type="dxa"/>']
                if c.colspan > 1:
                    pr.append(f'<w:gridSpan w:val="{c.colspan}"/>')
                if c.cont:
                    pr.append("<w:vMerge/>")
                elif c.rowspan > 1:
                    pr.append('<w:vMerge w:val="restart"/>')
                if c.head:
                    pr.append('<w:shd w:val="clear" w:color="auto" w:fill="EEEEEE"/>')
                jc = "right" if c.num else "center" if c.head else "left"
                out.append(f'<w:tc><w:tcPr>{"".join(pr)}</w:tcPr><w:p><w:pPr><w:spacing w:after="0"/>'
                           f'<w:ind w:firstLine="0"/><w:jc w:val="{jc}"/></w:pPr>'
                           f"{self.runs(c.runs, CELL_PT)}</w:p></w:tc>")
                col += c.colspan
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self.body.append([None, "".join(out)])

    def document_xml(self) -> str:
        parts = []
        for p, xml in self.body:
            parts.append(xml if p is None else f"<w:p>{self.ppr(p)}{xml}</w:p>")
        landscape = self.doc.landscape
        w, h = (16838, 11906) if landscape else (11906, 16838)
        orient = ' w:orient="landscape"' if landscape else ""
        sect = (f'<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter1"/><w:pgSz w:w="{w}" w:h="{h}"{orient}/>'
                '<w:pgMar w:top="1134" w:right="850" w:bottom="1134" w:left="1417" w:header="708" w:footer="708" '
                'w:gutter="0"/><w:cols w:space="708"/><w:docGrid w:linePitch="360"/></w:sectPr>')
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {NAMESPACES}>'
                f"<w:body>{''.join(parts)}{sect}</w:body></w:document>")


NAMESPACES = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
              'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
              'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
              'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
              'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"')
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_FONT = ('<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="Times New Roman" '
         'w:cs="Times New Roman"/>')


def _heading_style(level: int, half_pt: int, italic: bool) -> str:
    return (f'<w:style w:type="paragraph" w:styleId="Heading{level}"><w:name w:val="heading {level}"/>'
            '<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>'
            '<w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="200" w:after="80"/><w:ind w:firstLine="0"/>'
            f'<w:jc w:val="left"/><w:outlineLvl w:val="{level - 1}"/></w:pPr>'
            f'<w:rPr>{_FONT}<w:b/><w:bCs/>{"<w:i/>" if italic else ""}<w:sz w:val="{half_pt}"/>'
            f'<w:szCs w:val="{half_pt}"/></w:rPr></w:style>')


STYLES_XML = (
    f'{_XML}<w:styles {_W}><w:docDefaults><w:rPrDefault><w:rPr>{_FONT}<w:sz w:val="26"/><w:szCs w:val="26"/>'
    '<w:lang w:val="ru-RU" w:eastAsia="en-US" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
    '<w:pPrDefault><w:pPr><w:spacing w:after="60" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault>'
    '</w:docDefaults>'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>'
    '<w:pPr><w:spacing w:after="60" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="709"/><w:jc w:val="both"/>'
    f'</w:pPr><w:rPr>{_FONT}<w:sz w:val="26"/><w:szCs w:val="26"/></w:rPr></w:style>'
    '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/>'
    '<w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>'
    + _heading_style(1, 28, False) + _heading_style(2, 26, False) + _heading_style(3, 26, True) +
    '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
    '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
    '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
    '<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
    '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/>'
    '<w:uiPriority w:val="59"/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
    '<w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    '<w:left w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:bottom w:val="single" w:sz="4" w:space="0" '
    'w:color="auto"/><w:right w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:insideH w:val="single" '
    'w:sz="4" w:space="0" w:color="auto"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    '</w:tblBorders></w:tblPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/>'
    '<w:pPr><w:tabs><w:tab w:val="center" w:pos="4677"/><w:tab w:val="right" w:pos="9355"/></w:tabs>'
    '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:style>'
    '</w:styles>')

SETTINGS_XML = (f'{_XML}<w:settings {_W}><w:defaultTabStop w:val="708"/><w:characterSpacingControl '
                'w:val="doNotCompress"/><w:compat><w:compatSetting w:name="compatibilityMode" '
                'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>')

FOOTER_XML = (f'{_XML}<w:ftr {_W}><w:p><w:pPr><w:pStyle w:val="Footer"/><w:ind w:firstLine="0"/>'
              '<w:jc w:val="center"/></w:pPr><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r>'
              '<w:instrText xml:space="preserve">PAGE</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/>'
              "</w:r></w:p></w:ftr>")

_CT = "application/vnd.openxmlformats-officedocument"
CONTENT_TYPES_XML = (
    f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/>'
    '<Default Extension="svg" ContentType="image/svg+xml"/>'
    f'<Override PartName="/word/document.xml" ContentType="{_CT}.wordprocessingml.document.main+xml"/>'
    f'<Override PartName="/word/styles.xml" ContentType="{_CT}.wordprocessingml.styles+xml"/>'
    f'<Override PartName="/word/settings.xml" ContentType="{_CT}.wordprocessingml.settings+xml"/>'
    f'<Override PartName="/word/footer1.xml" ContentType="{_CT}.wordprocessingml.footer+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    f'<Override PartName="/docProps/app.xml" ContentType="{_CT}.extended-properties+xml"/></Types>')

_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ROOT_RELS_XML = (
    f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/></Relationships>')

APP_XML = (f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           "<Application>edumon</Application></Properties>")


_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
CHART_FONT = "Arial"


def _rich(text: str, pt: float, bold: bool = False, overlay: bool = True) -> str:
    b = ' b="1"' if bold else ' b="0"'
    return (f'<c:tx><c:rich><a:bodyPr/><a:p><a:pPr><a:defRPr sz="{round(pt * 100)}"{b}/></a:pPr><a:r>'
            f'<a:rPr lang="ru-RU" sz="{round(pt * 100)}"{b}/><a:t>{_x(text)}</a:t></a:r></a:p></c:rich></c:tx>'
            + ('<c:overlay val="0"/>' if overlay else ""))


def _txpr(pt: float, colour: str = "", standing: bool = False) -> str:
    fill = f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>' if colour else ""
    body = '<a:bodyPr rot="-5400000" vert="horz"/>' if standing else "<a:bodyPr/>"
    return (f'<c:txPr>{body}<a:p><a:pPr><a:defRPr sz="{round(pt * 100)}">{fill}<a:latin typeface="{CHART_FONT}"/>'
            '</a:defRPr></a:pPr><a:endParaRPr lang="ru-RU"/></a:p></c:txPr>')


def _str_cache(ref: str, values: list[str]) -> str:
    pts = "".join(f'<c:pt idx="{i}"><c:v>{_x(v)}</c:v></c:pt>' for i, v in enumerate(values))
    return f"<c:strRef><c:f>{ref}</c:f><c:strCache><c:ptCount val=\"{len(values)}\"/>{pts}</c:strCache></c:strRef>"


def _column(i: int) -> str:
    return chr(ord("B") + i) if i < 25 else "Z"


def _chart_cm(spec: charts.Spec) -> float:
    """The chart's height: the SVG's proportions, and for horizontal bars at least 0.9 cm
    a category (two lines of its label; Word's and LibreOffice's text is larger than the
    SVG's, and a category label without room is left out) plus the title, the axis and
    the legend below."""
    if not spec.horizontal:
        return PICTURE_CM * spec.aspect
    bars = 1 if spec.stacked else len(spec.series)
    rows = len(spec.categories) * max(0.9, 0.45 * bars + 0.35)
    return max(PICTURE_CM * spec.aspect, rows + 3.0 + (1.0 if spec.stacked else 0.0))


def chart_xml(spec: charts.Spec) -> str:
    """The chart part: bars of the SVG's colours, the values cached as the text rounds
    them and written on the bars (a zero segment of a stacked bar left unwritten), the
    value axis from 0 to the SVG's maximum in its step (integer ticks for counts), the
    categories top to bottom for horizontal bars, the legend when there are two series."""
    n_cat = len(spec.categories)
    label_fmt = "0" if spec.decimals == 0 else "[$-419]0." + "0" * spec.decimals
    if spec.stacked:
        label_fmt += ";;;"  # a zero segment has no width: no label
    # a value stands (as in the SVG) where a column is narrower than its label: the plot
    # about 11.7 cm wide (16 cm less the value axis and the legend), a column
    # slot / (series + gap 0.4)
    column_cm = 11.7 / max(n_cat, 1) / (len(spec.series) + 0.4)
    widest_cm = max((charts.text_px(typography.number(v, spec.decimals), 8) * 2.54 / 96
                     for vs in spec.series.values() for v in vs if v is not None), default=0)
    standing = not spec.horizontal and widest_cm + 0.1 > column_cm  # 1 mm apart at least
    sers = []
    for i, ((name, values), colour) in enumerate(zip(spec.series.items(), spec.colours)):
        col = _column(i)
        pts = "".join(f'<c:pt idx="{j}"><c:v>{float(typography.half_up(v or 0, spec.decimals)):g}</c:v></c:pt>'
                      for j, v in enumerate(values))
        # a category without data: a bar of 0 written «н/д», as in the SVG (a missing point
        # would carry no label in LibreOffice)
        no_data = "".join(
            f'<c:dLbl><c:idx val="{j}"/>{_rich("н/д", 8, overlay=False)}'
            f'<c:dLblPos val="outEnd"/><c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/>'
            '<c:showSerName val="0"/><c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbl>'
            for j, v in enumerate(values) if v is None)
        # white on the dark segments of a stacked bar, as in the SVG
        label_colour = "FFFFFF" if spec.stacked and colour in charts.WHITE_ON else ""
        sers.append(
            f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/><c:tx>{_str_cache(f"Sheet1!${col}$1", [name])}</c:tx>'
            f'<c:spPr><a:solidFill><a:srgbClr val="{colour.lstrip("#").upper()}"/></a:solidFill></c:spPr>'
            f'<c:invertIfNegative val="0"/><c:dLbls>{no_data}<c:numFmt formatCode="{label_fmt}" sourceLinked="0"/>'
            f'<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>{_txpr(8, label_colour, standing)}'
            f'<c:dLblPos val="{"ctr" if spec.stacked else "outEnd"}"/><c:showLegendKey val="0"/><c:showVal val="1"/>'
            '<c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="0"/><c:showBubbleSize val="0"/>'
            f'</c:dLbls><c:cat>{_str_cache(f"Sheet1!$A$2:$A${n_cat + 1}", spec.categories)}</c:cat>'
            f'<c:val><c:numRef><c:f>Sheet1!${col}$2:${col}${n_cat + 1}</c:f><c:numCache><c:formatCode>General'
            f'</c:formatCode><c:ptCount val="{n_cat}"/>{pts}</c:numCache></c:numRef></c:val></c:ser>')
    bar_dir = "bar" if spec.horizontal else "col"
    grouping = "stacked" if spec.stacked else "clustered"
    overlap = '<c:overlap val="100"/>' if spec.stacked else ""
    cat_pos, val_pos = ("l", "b") if spec.horizontal else ("b", "l")
    # horizontal bars: the first category on top, the value axis below the last one
    orientation, crosses = ("maxMin", "max") if spec.horizontal else ("minMax", "autoZero")
    axis_fmt = "0" if spec.step >= 1 else "0.0"
    legend = ('<c:legend><c:legendPos val="{}"/><c:overlay val="0"/>{}</c:legend>'.format(
        "b" if spec.stacked else "r", _txpr(9)) if len(spec.series) > 1 or spec.stacked else "")
    return (
        f'{_XML}<c:chartSpace xmlns:c="{_C}" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:r="{_REL}"><c:lang val="ru-RU"/><c:roundedCorners val="0"/><c:chart>'
        f'<c:title>{_rich(spec.title, 11, bold=True)}</c:title><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>'
        f'<c:barChart><c:barDir val="{bar_dir}"/><c:grouping val="{grouping}"/><c:varyColors val="0"/>{"".join(sers)}'
        f'<c:gapWidth val="{60 if spec.stacked else 40}"/>{overlap}<c:axId val="1"/><c:axId val="2"/></c:barChart>'
        f'<c:catAx><c:axId val="1"/><c:scaling><c:orientation val="{orientation}"/></c:scaling><c:delete val="0"/>'
        f'<c:axPos val="{cat_pos}"/><c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="none"/>'
        f'<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>{_txpr(9)}<c:crossAx val="2"/>'
        '<c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/>'
        '<c:noMultiLvlLbl val="0"/></c:catAx>'
        f'<c:valAx><c:axId val="2"/><c:scaling><c:orientation val="minMax"/><c:max val="{spec.axis_max:g}"/>'
        f'<c:min val="0"/></c:scaling><c:delete val="0"/><c:axPos val="{val_pos}"/><c:majorGridlines><c:spPr>'
        '<a:ln w="6350"><a:solidFill><a:srgbClr val="E0E0E0"/></a:solidFill></a:ln></c:spPr></c:majorGridlines>'
        f'<c:title>{_rich(spec.axis_title, 10)}</c:title><c:numFmt formatCode="{axis_fmt}" sourceLinked="0"/>'
        f'<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>{_txpr(9)}'
        f'<c:crossAx val="1"/><c:crosses val="{crosses}"/><c:crossBetween val="between"/>'
        f'<c:majorUnit val="{spec.step:g}"/></c:valAx></c:plotArea>{legend}<c:plotVisOnly val="1"/>'
        f'<c:dispBlanksAs val="gap"/></c:chart>{_txpr(9)}</c:chartSpace>')


def _document_rels(images: int, svgs=(), n_charts: int = 0) -> str:
    rels = [f'<Relationship Id="rIdStyles" Type="{_REL}/styles" Target="styles.xml"/>',
            f'<Relationship Id="rIdSettings" Type="{_REL}/settings" Target="settings.xml"/>',
            f'<Relationship Id="rIdFooter1" Type="{_REL}/footer" Target="footer1.xml"/>']
    rels += [f'<Relationship Id="rIdImage{n}" Type="{_REL}/image" Target="media/image{n}.png"/>'
             for n in range(1, images + 1)]
    rels += [f'<Relationship Id="rIdSvg{n}" Type="{_REL}/image" Target="media/image{n}.svg"/>' for n in svgs]
    rels += [f'<Relationship Id="rIdChart{n}" Type="{_REL}/chart" Target="charts/chart{n}.xml"/>'
             for n in range(1, n_charts + 1)]
    return f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{"".join(rels)}</Relationships>'


def _core(title: str, author: str) -> str:
    return (f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{_x(title)}</dc:title><dc:creator>{_x(author)}</dc:creator>"
            f"<cp:lastModifiedBy>{_x(author)}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
            '<dcterms:created xsi:type="dcterms:W3CDTF">2020-01-01T00:00:00Z</dcterms:created>'
            '<dcterms:modified xsi:type="dcterms:W3CDTF">2020-01-01T00:00:00Z</dcterms:modified>'
            "</cp:coreProperties>")


FIXED_DATE = (2020, 1, 1, 0, 0, 0)


def model_to_docx(doc: Document, title: str = "", author: str = "") -> bytes:
    """The document model as a Word document (bytes)."""
    w = _Writer(doc)
    for b in doc.blocks:
        w.block(b)
    document = w.document_xml()
    content_types = CONTENT_TYPES_XML.replace("</Types>", "".join(
        f'<Override PartName="/word/charts/chart{n}.xml" ContentType="{_CT}.drawingml.chart+xml"/>'
        for n in range(1, len(w.charts) + 1)) + "</Types>")
    parts = [("[Content_Types].xml", content_types), ("_rels/.rels", ROOT_RELS_XML),
             ("docProps/core.xml", _core(title, author)), ("docProps/app.xml", APP_XML),
             ("word/document.xml", document), ("word/_rels/document.xml.rels", _document_rels(len(w.media), sorted(w.svgs), len(w.charts))),
             ("word/styles.xml", STYLES_XML), ("word/settings.xml", SETTINGS_XML), ("word/footer1.xml", FOOTER_XML)]
    parts += [(f"word/media/image{n}.png", png) for n, png in enumerate(w.media, 1)]
    parts += [(f"word/media/image{n}.svg", svg) for n, svg in sorted(w.svgs.items())]
    parts += [(f"word/charts/chart{n}.xml", xml) for n, xml in enumerate(w.charts, 1)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            zi = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            zi.compress_type = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data.encode("utf-8") if isinstance(data, str) else data)
    return buf.getvalue()


def html_to_docx(html: str, title: str = "", author: str = "") -> bytes:
    """The справка's HTML as a Word document (bytes)."""
    return model_to_docx(parse(html), title=title, author=author)
