"""Writing CSV and XLSX exports safely: formula cells escaped, NIKs kept as text."""

import csv
import datetime as dt
import logging

logger = logging.getLogger(__name__)

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\0")


def escape_formula(value):
    """A cell that a spreadsheet would run as a formula gets a leading apostrophe (ASVS 1.2.10)."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def _text(value):
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, bool):
        return "Y" if value else "N"
    return value


def write_csv(handle, header, rows, *, delimiter=","):
    """Rows of plain values; returns the number of data rows written."""
    writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([escape_formula(_text(v)) for v in row])
        count += 1
    return count


def check_defusedxml() -> bool:
    """openpyxl parses XML with defusedxml only when that is installed (SECURITY.md check 11):
    say so loudly when it is not. Run where openpyxl is first imported (write_xlsx, and the
    admin's XLSX imports: workbooks are otherwise read by python-calamine), not at every
    start-up, which it would slow by 0.07 s (bench/README.md)."""
    import openpyxl

    if getattr(openpyxl, "DEFUSEDXML", False) is not True:
        logger.error("openpyxl runs without defusedxml: XML entity attacks in workbooks are not "
                     "refused by the parser; install defusedxml (requirements.txt)")
        return False
    return True


def write_xlsx(path, header, rows, *, sheet_title="Data", text_columns=()):
    """A workbook with one sheet; columns named in text_columns are stored as text ('@')."""
    # openpyxl is imported here, not at start-up: 0.07 s that every command would pay.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    check_defusedxml()

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    bold = Font(bold=True)
    head_cells = []
    for name in header:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        head_cells.append(cell)
    ws.append(head_cells)
    text_idx = {header.index(c) for c in text_columns if c in header}
    count = 0
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            value = escape_formula(_text(value))
            cell = WriteOnlyCell(ws, value=value if value != "" else None)
            if i in text_idx:
                cell.number_format = "@"
            cells.append(cell)
        ws.append(cells)
        count += 1
    wb.save(path)
    return count
