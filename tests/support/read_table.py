#!/usr/bin/env python3
"""Reads an exported table back with independent readers, for the tests: CSV with Python's csv
module in strict mode (after checking the UTF-8 byte-order mark), XLSX with openpyxl (Debian's
python3-openpyxl). Prints {"rows": [[cell, ...], ...]} as JSON; a date cell becomes
{"datetime": "YYYY-MM-DDTHH:MM:SS"}. With the kind "xlsx-layout", prints instead how each sheet
of an XLSX prints: {"sheets": [{"orientation", "paper", "fit_to_page", "fit_width", "fit_height",
"print_title_rows", "freeze_panes", "widths": [column width or null, ...], "header": [...]}]}.
Exits 1 with the reason when the file is malformed."""
import csv
import datetime
import io
import json
import sys


def cell(value):
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat(timespec="seconds")}
    return value


def read_csv(path):
    raw = open(path, "rb").read()
    if not raw.startswith(b"\xef\xbb\xbf"):
        raise ValueError("no UTF-8 byte-order mark")
    text = raw[3:].decode("utf-8")  # strict: malformed UTF-8 fails
    if text and not text.endswith("\r\n"):
        raise ValueError("the last row does not end with CRLF")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    width = len(rows[0]) if rows else 0
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError("row %d has %d fields, the header %d" % (i + 1, len(row), width))
    return rows


def read_xlsx(path):
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    rows = []
    for number, sheet in enumerate(book.worksheets):
        for i, row in enumerate(sheet.iter_rows(values_only=True)):
            if number > 0 and i == 0:
                continue  # each further sheet repeats the header
            rows.append([cell(v) for v in row])
    return rows


def read_xlsx_layout(path):
    import openpyxl
    from openpyxl.utils import get_column_letter

    book = openpyxl.load_workbook(path)  # not read-only: page setup and widths are read too
    sheets = []
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1]]
        widths = []
        for i in range(1, len(header) + 1):
            dimension = sheet.column_dimensions.get(get_column_letter(i))
            widths.append(dimension.width if dimension is not None and dimension.customWidth else None)
        properties = sheet.sheet_properties.pageSetUpPr
        sheets.append({
            "orientation": sheet.page_setup.orientation,
            "paper": sheet.page_setup.paperSize,
            "fit_to_page": bool(properties is not None and properties.fitToPage),
            # Absent means OOXML's default, one page.
            "fit_width": 1 if sheet.page_setup.fitToWidth is None else sheet.page_setup.fitToWidth,
            "fit_height": sheet.page_setup.fitToHeight,
            "print_title_rows": sheet.print_title_rows,
            "freeze_panes": sheet.freeze_panes,
            "widths": widths,
            "header": header,
        })
    return sheets


def main():
    kind, path = sys.argv[1], sys.argv[2]
    try:
        if kind == "xlsx-layout":
            result = {"sheets": read_xlsx_layout(path)}
        else:
            result = {"rows": read_csv(path) if kind == "csv" else read_xlsx(path)}
    except Exception as error:  # the reason is what the test shows
        print("%s: %s" % (type(error).__name__, error), file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, ensure_ascii=False, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
