"""Hostile zip files built in the tests: a million-row sheet, decompression bombs, a member that lies.

They are written with zipfile directly (openpyxl would take minutes for a million rows).
"""

import io
import struct
import zipfile

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MAIN = f'<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()


def _inline(text: str) -> bytes:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _row(*texts: str) -> bytes:
    return b"<row>" + b"".join(_inline(text) for text in texts) + b"</row>"


def xlsx_with_sheet(write_sheet, *, level: int = 6) -> bytes:
    """A real workbook (from openpyxl) whose first sheet's XML is written by ``write_sheet(stream)``."""
    book = openpyxl.Workbook()
    book.active.append(["Mã đơn vị"])
    base = io.BytesIO()
    book.save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dest:
        for item in source.infolist():
            if item.filename == SHEET:
                with dest.open(SHEET, "w", force_zip64=True) as sheet:
                    sheet.write(MAIN)
                    write_sheet(sheet)
                    sheet.write(b"</sheetData></worksheet>")
            else:
                dest.writestr(item.filename, source.read(item))
    return out.getvalue()


def units_xlsx(rows: int) -> bytes:
    """A units file of ``rows`` data rows (rows without "r" attributes, as the specification allows)."""

    def write(sheet):
        sheet.write(_row("Mã đơn vị", "Tên đơn vị", "Khối"))
        block = _row("so-moi", "Sở mới", "departments") * 10_000
        for _ in range(rows // 10_000):
            sheet.write(block)
        sheet.write(_row("so-moi", "Sở mới", "departments") * (rows % 10_000))

    return xlsx_with_sheet(write)


def bomb_xlsx(megabytes: int = 200) -> bytes:
    """A workbook of one header row and one cell whose text inflates to ``megabytes`` MB (under 1 MB zipped)."""

    def write(sheet):
        sheet.write(_row("Mã đơn vị", "Tên đơn vị", "Khối"))
        sheet.write(b'<row><c t="inlineStr"><is><t>')
        chunk = b"a" * (1024 * 1024)
        for _ in range(megabytes):
            sheet.write(chunk)
        sheet.write(b"</t></is></c></row>")

    return xlsx_with_sheet(write, level=1)


def bomb_docx(megabytes: int) -> bytes:
    """A .docx whose document.xml inflates to ``megabytes`` MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as document:
            document.write(b"<w:document><w:body><w:t>")
            chunk = b"a" * (1024 * 1024)
            for _ in range(megabytes):
                document.write(chunk)
            document.write(b"</w:t></w:body></w:document>")
    return out.getvalue()


def lying_zip(entries: dict[str, bytes], liar: str, declared: int) -> bytes:
    """A zip whose central directory says member ``liar`` inflates to ``declared`` bytes, less than it does."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    data = bytearray(out.getvalue())
    patched = 0
    for offset in _central_entries(data):
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46 : offset + 46 + name_length].decode() == liar:
            struct.pack_into("<I", data, offset + 24, declared)  # the uncompressed size zipfile believes
            patched += 1
    assert patched == 1
    return bytes(data)


def _central_entries(data: bytearray):
    offset = data.find(b"PK\x01\x02")
    while offset != -1:
        yield offset
        offset = data.find(b"PK\x01\x02", offset + 4)


def xlsx_with_shared_strings(texts: list[str]) -> bytes:
    """A workbook whose header row uses the first three of ``texts``, kept in a shared-strings part."""
    book = openpyxl.Workbook()
    book.active.append(["Mã đơn vị"])
    base = io.BytesIO()
    book.save(base)
    strings = "".join(f"<si><t>{text}</t></si>" for text in texts)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
                )
            elif item.filename == SHEET:
                data = (
                    MAIN
                    + b'<row r="1">'
                    + b"".join(
                        f'<c r="{column}1" t="s"><v>{index}</v></c>'.encode() for index, column in enumerate("ABC")
                    )
                    + b"</row></sheetData></worksheet>"
                )
            dest.writestr(item.filename, data)
        dest.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN_NS}">{strings}</sst>'.encode())
    return out.getvalue()


def xlsx_with_cell_styles(count: int, seed: int = 1) -> bytes:
    """A workbook whose styles part holds ``count`` varied cell styles (so that it compresses as real ones do)."""
    import random

    choose = random.Random(seed)
    book = openpyxl.Workbook()
    book.active.append(["Mã đơn vị", "Tên đơn vị", "Khối"])
    base = io.BytesIO()
    book.save(base)
    styles = "".join(
        f'<xf numFmtId="{choose.randrange(160)}" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
        f'<alignment horizontal="{choose.choice(["left", "right", "center"])}" indent="{choose.randrange(9)}"/></xf>'
        for _ in range(count)
    ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/styles.xml":
                start, end = data.index(b"<cellXfs"), data.index(b"</cellXfs>")
                data = data[:start] + f'<cellXfs count="{count}">'.encode() + styles + data[end:]
            dest.writestr(item.filename, data)
    return out.getvalue()
