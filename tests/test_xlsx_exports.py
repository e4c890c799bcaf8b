"""Every XLSX the app writes can be used as it is (issue 17): column widths fitted to the
content within bounds, the header row frozen with a filter over the used range, dates as date
cells shown dd-mm-yyyy, NIK/NKK as text, and no formula cell. Each kind of workbook is read
back with openpyxl: the reconciliation exports (every kind, through write_export and the
export_reconciliation command) and the Dukcapil request file (the callers of write_xlsx)."""

import datetime as dt
import importlib.util
import io
from pathlib import Path

import openpyxl
import pytest
from conftest import make_user
from django.core.management import call_command
from openpyxl.utils import get_column_letter

from voters.core.spreadsheets import XLSX_MAX_WIDTH, XLSX_MIN_WIDTH, write_xlsx
from voters.inmates import dukcapil
from voters.models import Election, Facility, Inmate
from voters.reconciliation.exports import EXPORTS, write_export
from voters.reconciliation.services import reconcile

pytestmark = pytest.mark.django_db

# The world of tests/voters/test_reconciliation.py (every category, a USUL_DPTB among them),
# loaded from its file: tests/voters is not a package.
_spec = importlib.util.spec_from_file_location(
    "reconciliation_world", Path(__file__).parent / "voters" / "test_reconciliation.py")
_world = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_world)
loaded = _world.loaded

TEXT_HEADERS = {"nik", "NIK", "NKK", "NO_KK"}
DATE_HEADERS = {"tanggal_lahir", "TANGGAL LAHIR", "TANGGAL_LAHIR"}


def _run():
    return reconcile(election=Election.objects.get(code="PILKADA2024"),
                     facility=Facility.objects.get(code="RUTAN-BLORA"),
                     today=dt.date.fromisoformat(_world.TODAY))


def check_workbook(path, *, masked=False):
    """The checks every workbook must pass; returns (header, data rows of cells). A masked
    export's dates are only a year, as text."""
    ws = openpyxl.load_workbook(path).active
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    last = get_column_letter(len(header))
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{last}{len(rows)}"
    for i in range(1, len(header) + 1):
        width = ws.column_dimensions[get_column_letter(i)].width
        assert XLSX_MIN_WIDTH <= width <= XLSX_MAX_WIDTH, (header[i - 1], width)
    for row in rows:
        assert all(c.data_type != "f" for c in row)
    data = rows[1:]
    for row in data:
        for name, cell in zip(header, row, strict=False):
            if name in TEXT_HEADERS and cell.value is not None:
                assert isinstance(cell.value, str) and cell.number_format == "@", (name, cell)
            if name in DATE_HEADERS and cell.value is not None and not masked:
                assert cell.is_date and cell.number_format.lower() == "dd-mm-yyyy", (name, cell)
    return header, data


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_every_reconciliation_export_is_a_usable_workbook(kind, loaded, tmp_path):
    run = _run()
    path = tmp_path / f"{kind}.xlsx"
    count = write_export(run=run, kind=kind, fmt="xlsx", path=path)
    header, data = check_workbook(path)
    assert len(data) == count
    if kind != "perubahan":  # a first run has no earlier one to change from
        assert count > 0
    dates = [row[header.index(h)].value for row in data for h in DATE_HEADERS & set(header)]
    if count:
        assert any(isinstance(v, dt.datetime) for v in dates)
    niks = [row[header.index(h)].value for row in data for h in {"nik", "NIK"} & set(header)]
    assert all(isinstance(v, str) for v in niks if v is not None)
    # The name column is as wide as its longest name (within the bounds), not the default.
    ws = openpyxl.load_workbook(path).active
    col = next(i for i, h in enumerate(header) if h.lower() == "nama")
    longest = max([len("nama"), *(len(row[col].value or "") for row in data)])
    width = ws.column_dimensions[get_column_letter(col + 1)].width
    assert width >= min(max(longest, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH)

def test_the_csv_keeps_its_iso_dates(loaded, tmp_path):
    path = tmp_path / "rekonsiliasi.csv"
    write_export(run=_run(), kind="rekonsiliasi", fmt="csv", path=path)
    birth = Inmate.objects.exclude(tanggal_lahir=None).first().tanggal_lahir
    assert f",{birth.isoformat()}," in path.read_text(encoding="utf-8-sig")


def test_a_masked_export_keeps_only_the_year_as_text(loaded, tmp_path):
    observer = make_user("bambang", "observer", Facility.objects.get(code="RUTAN-BLORA"))
    assert not observer.sees_full_nik
    path = tmp_path / "rekonsiliasi.xlsx"
    write_export(run=_run(), kind="rekonsiliasi", fmt="xlsx", path=path, user=observer)
    header, data = check_workbook(path, masked=True)
    births = [row[header.index("tanggal_lahir")].value for row in data]
    assert births and all(v is None or (isinstance(v, str) and len(v) == 4) for v in births)


def test_the_export_command_writes_the_same_kind_of_workbook(loaded, tmp_path):
    out = tmp_path / "hasil.xlsx"
    call_command("export_reconciliation", "--election", "PILKADA2024", "--facility",
                 "RUTAN-BLORA", "--format", "xlsx", "-o", str(out), "--today", _world.TODAY,
                 stdout=io.StringIO())
    check_workbook(out)


def test_the_dukcapil_request_file_is_a_usable_workbook(loaded):
    operator = make_user("alice", "operator", Facility.objects.get(code="RUTAN-BLORA"))
    request = dukcapil.create_request(
        facility=Facility.objects.get(code="RUTAN-BLORA"),
        inmate_ids=list(Inmate.objects.exclude(nik="").values_list("pk", flat=True)),
        user=operator)
    header, data = check_workbook(dukcapil.request_file(request))
    assert data
    assert all(isinstance(row[header.index("NIK")].value, str) for row in data)
    assert any(row[header.index("TANGGAL_LAHIR")].value is not None for row in data)


def test_widths_are_bounded_and_measured_only_on_the_first_rows(tmp_path, monkeypatch):
    from voters.core import spreadsheets

    monkeypatch.setattr(spreadsheets, "XLSX_MEASURED_ROWS", 2)
    rows = [["3316011505800101", dt.date(1980, 5, 15), "x"], ["1", None, "y" * 200],
            ["2", dt.datetime(1990, 1, 2, 3, 4), "=1+1"], ["3", None, "z" * 500]]
    path = tmp_path / "x.xlsx"
    assert write_xlsx(path, ["nik", "tanggal_lahir", "catatan"], rows,
                      text_columns=["nik"]) == 4
    header, data = check_workbook(path)
    ws = openpyxl.load_workbook(path).active
    assert ws.column_dimensions["C"].width == XLSX_MAX_WIDTH
    assert ws.column_dimensions["A"].width == len("3316011505800101") + 2
    assert [row[1].value for row in data] == [dt.datetime(1980, 5, 15), None,
                                              dt.datetime(1990, 1, 2), None]
    assert [row[2].value for row in data][2] == "'=1+1"
    assert len(data) == 4  # the rows after the measured ones are streamed, not lost
