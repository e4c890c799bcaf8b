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


#: Column widths, in characters, that write_xlsx fits to the content between.
XLSX_MIN_WIDTH, XLSX_MAX_WIDTH = 8, 60
#: Rows write_xlsx holds back to measure column widths before streaming the rest: write-only
#: sheets take column widths only before the first row, and memory stays bounded on big exports.
XLSX_MEASURED_ROWS = 1000
#: How a date cell is shown: as the KPU's own files write dates.
XLSX_DATE_FORMAT = "DD-MM-YYYY"


def _xlsx_value(value):
    """A cell's value for the workbook: dates stay dates (shown XLSX_DATE_FORMAT), the rest
    as in the CSV (booleans Y/N, formula leads escaped), an empty string a blank cell."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    value = escape_formula(_text(value))
    return value if value != "" else None


def _shown_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return len(XLSX_DATE_FORMAT)
    return max((len(line) for line in str(value).splitlines()), default=0)


def write_xlsx(path, header, rows, *, sheet_title="Data", text_columns=()):
    """A workbook with one sheet; columns named in text_columns are stored as text ('@').

    Every sheet has its column widths fitted to the header and the first XLSX_MEASURED_ROWS
    rows (within XLSX_MIN_WIDTH..XLSX_MAX_WIDTH), the header row frozen with a filter over the
    used range, and dates as date cells shown dd-mm-yyyy, so that a reader can use it as it is
    (issue 17)."""
    # openpyxl is imported here, not at start-up: 0.07 s that every command would pay.
    from itertools import islice

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    check_defusedxml()

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    text_idx = {header.index(c) for c in text_columns if c in header}
    rows = iter(rows)
    first = [[_xlsx_value(v) for v in row] for row in islice(rows, XLSX_MEASURED_ROWS)]
    widths = [_shown_width(name) for name in header]
    for values in first:
        for i, value in enumerate(values):
            if i < len(widths):
                widths[i] = max(widths[i], _shown_width(value))
    for i, width in enumerate(widths, start=1):
        # Two characters more than the text: the filter button sits on the header's right.
        ws.column_dimensions[get_column_letter(i)].width = min(
            max(width + 2, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH)
    ws.freeze_panes = "A2"

    bold = Font(bold=True)
    head_cells = []
    for name in header:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        head_cells.append(cell)
    ws.append(head_cells)

    def cells_of(values):
        cells = []
        for i, value in enumerate(values):
            cell = WriteOnlyCell(ws, value=value)
            if i in text_idx:
                cell.number_format = "@"
            elif isinstance(value, dt.date):
                cell.number_format = XLSX_DATE_FORMAT
            cells.append(cell)
        return cells

    count = 0
    for values in first:
        ws.append(cells_of(values))
        count += 1
    for row in rows:
        ws.append(cells_of([_xlsx_value(v) for v in row]))
        count += 1
    if header:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    wb.save(path)
    return count
