"""Import and export of the admin's reference data through django-import-export, with our rules
on top (voters/admin_resources.py): the administrator's facility only, formula cells escaped in
CSV and XLSX (SECURITY.md check 17), every export and confirmed import audited (check 25), an
import all or nothing (check 13), each needing its own permission (check 8), and an abandoned
upload swept after an hour (check 14)."""

import csv
import datetime as dt
import hashlib
import io
import os
import time

import openpyxl
import pytest
import tablib
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from coordination.models import Contact, Institution
from coordination.resources import InstitutionResource
from voters.admin_resources import TMP_FOLDER
from voters.models import TPS, AuditEvent, Election, NoticeTemplate, TMSReason, User
from voters.retention import sweep_transient_files

pytestmark = pytest.mark.django_db

CSV_FORMAT, XLSX_FORMAT = "0", "1"
FORMULAS = ['=HYPERLINK("http://contoh.test","klik")', "+1", "-2", "@SUM(1)"]


@pytest.fixture
def root(db):
    """A global administrator: bound to no facility."""
    return User.objects.create(username="root", role="admin")


@pytest.fixture
def kpu_blora(blora):
    return Institution.objects.create(name="KPU Kabupaten Blora", short_name="KPU", facility=blora)


@pytest.fixture
def kpu_rembang(rembang):
    return Institution.objects.create(
        name="KPU Kabupaten Rembang", short_name="KPU", facility=rembang
    )


def urls(model, view):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


def export(client, model, fmt=CSV_FORMAT, query=""):
    resource = admin.site._registry[model].resource_classes[0]
    data = {"format": fmt, "resource": "0"}
    for name in resource.fields:
        data[f"{resource.__name__.lower()}_{name}"] = "on"
    return client.post(urls(model, "export") + query, data)


def csv_rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def xlsx_sheet(response):
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def csv_file(rows, name="data.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def preview(client, model, upload, fmt=CSV_FORMAT):
    return client.post(
        urls(model, "import"), {"import_file": upload, "format": fmt, "resource": "0"}
    )


def confirm(client, model, response):
    assert response.status_code == 200
    form = response.context.get("confirm_form")
    assert form is not None, "the preview was refused"
    return client.post(urls(model, "process_import"), form.initial)


def tmp_files(private_root):
    folder = private_root / TMP_FOLDER
    return sorted(folder.iterdir()) if folder.is_dir() else []


# -- export ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [CSV_FORMAT, XLSX_FORMAT])
def test_a_facility_administrator_exports_its_own_institutions_only(
    fmt, admin_user, blora, kpu_blora, kpu_rembang, client_for
):
    response = export(client_for(admin_user), Institution, fmt)
    assert response.status_code == 200
    if fmt == CSV_FORMAT:
        rows = csv_rows(response)
        names = [row["name"] for row in rows]
        facilities = {row["facility"] for row in rows}
    else:
        sheet = xlsx_sheet(response)
        header = [cell.value for cell in sheet[1]]
        values = [
            dict(zip(header, [c.value for c in row], strict=True))
            for row in sheet.iter_rows(min_row=2)
        ]
        names = [row["name"] for row in values]
        facilities = {row["facility"] for row in values}
    assert "KPU Kabupaten Blora" in names
    assert "KPU Kabupaten Rembang" not in names
    assert facilities == {"RUTAN-BLORA"}  # no catalogue row, no other facility's


def test_the_export_follows_the_changelist_filter(admin_user, blora, kpu_blora, client_for):
    Institution.objects.create(name="Bawaslu Blora", facility=blora, is_active=False)
    rows = csv_rows(export(client_for(admin_user), Institution, query="?is_active__exact=0"))
    assert [row["name"] for row in rows] == ["Bawaslu Blora"]


@pytest.fixture
def formula_contact(blora, kpu_blora):
    name, position, phone, notes = FORMULAS
    return Contact.objects.create(
        facility=blora, institution=kpu_blora, name=name, position=position, phone=phone,
        notes=notes,
    )


def test_formula_cells_are_escaped_in_csv(admin_user, formula_contact, client_for):
    (row,) = csv_rows(export(client_for(admin_user), Contact, CSV_FORMAT))
    assert [row["name"], row["position"], row["phone"], row["notes"]] == [
        "'" + value for value in FORMULAS
    ]


def test_formula_cells_are_escaped_in_xlsx(admin_user, formula_contact, client_for):
    sheet = xlsx_sheet(export(client_for(admin_user), Contact, XLSX_FORMAT))
    header = [cell.value for cell in sheet[1]]
    (row,) = list(sheet.iter_rows(min_row=2))
    cells = {name: row[header.index(name)] for name in ("name", "position", "phone", "notes")}
    assert [cell.value for cell in cells.values()] == ["'" + value for value in FORMULAS]
    assert {cell.data_type for cell in cells.values()} == {"s"}  # text, never a formula


def test_an_export_is_audited_with_its_rows_and_hash(
    admin_user, blora, kpu_blora, formula_contact, client_for
):
    Institution.objects.create(name="Bawaslu Blora", facility=blora)
    response = export(client_for(admin_user), Institution, XLSX_FORMAT, "?q=Blora")
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == admin_user and event.facility == blora
    assert event.row_count == 2
    assert event.sha256 == hashlib.sha256(response.content).hexdigest()
    assert event.detail["model"] == "coordination.Institution"
    assert event.detail["format"] == "xlsx" and event.detail["filter"] == "q=Blora"


def test_a_facility_administrator_exports_the_calendar_of_its_elections(
    admin_user, election, tps901, client_for
):
    client = client_for(admin_user)
    (row,) = csv_rows(export(client, Election))
    assert row["code"] == "PILKADA2024" and row["polling_date"] == "2024-11-27"
    assert row["tanggal_batas_dptb_tahanan"] == "2024-11-20"  # H-7
    (tps,) = csv_rows(export(client, TPS))
    assert (tps["number"], tps["capacity"], tps["hari_pemungutan"]) == ("901", "600", "2024-11-27")


# -- import ---------------------------------------------------------------------------------


def test_a_facility_administrator_imports_contacts_into_its_own_facility(
    admin_user, blora, kpu_blora, kpu_rembang, private_root, client_for
):
    client = client_for(admin_user)
    upload = csv_file(
        [
            ["name", "institution", "facility", "phone", "position"],
            ["Budi", "KPU Kabupaten Blora", "", "'+62812000111", "Ketua"],
            ["Sari", "KPU Kabupaten Blora", "RUTAN-BLORA", "0812000222", "Anggota"],
        ]
    )
    response = preview(client, Contact, upload)
    assert Contact.objects.count() == 0  # the preview writes nothing
    done = confirm(client, Contact, response)
    assert done.status_code == 302
    contacts = {c.name: c for c in Contact.objects.all()}
    assert set(contacts) == {"Budi", "Sari"}
    assert {c.facility_id for c in contacts.values()} == {blora.pk}
    assert contacts["Budi"].phone == "+62812000111"  # our escape undone: the file round-trips
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert event.actor == admin_user and event.row_count == 2 and event.result == "ok"
    assert event.detail["model"] == "coordination.Contact"
    assert len(event.sha256) == 64
    assert tmp_files(private_root) == []  # removed once confirmed


def test_a_row_naming_another_facility_is_refused_and_nothing_is_written(
    admin_user, blora, rembang, kpu_blora, kpu_rembang, private_root, client_for
):
    client = client_for(admin_user)
    upload = csv_file(
        [
            ["name", "kind", "facility"],
            ["Polres Blora", "penegak_hukum", ""],
            ["Polres Rembang", "penegak_hukum", "LAPAS-REMBANG"],
        ]
    )
    response = preview(client, Institution, upload)
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert "UPT lain" in response.content.decode()
    assert not Institution.objects.filter(name__startswith="Polres").exists()
    assert tmp_files(private_root) == []  # a refused preview keeps no file


def test_a_contact_cannot_name_another_facility_institution(
    admin_user, kpu_blora, kpu_rembang, client_for
):
    upload = csv_file([["name", "institution"], ["Budi", "KPU Kabupaten Rembang"]])
    response = preview(client_for(admin_user), Contact, upload)
    assert "confirm_form" not in response.context
    assert not Contact.objects.exists()


def test_an_id_of_another_facility_row_does_not_update_it(
    admin_user, kpu_blora, kpu_rembang, client_for
):
    upload = csv_file([["id", "name", "kind"], [kpu_rembang.pk, "Diambil alih", "lainnya"]])
    response = preview(client_for(admin_user), Institution, upload)
    assert "confirm_form" not in response.context
    kpu_rembang.refresh_from_db()
    assert kpu_rembang.name == "KPU Kabupaten Rembang"
    assert kpu_rembang.facility.code == "LAPAS-REMBANG"


def test_a_facility_administrator_imports_tps_of_its_own_facility(
    admin_user, blora, election, tps901, tps_rembang, client_for
):
    client = client_for(admin_user)
    rows = [["election", "number", "capacity"], ["PILKADA2024", "905", "300"]]
    assert confirm(client, TPS, preview(client, TPS, csv_file(rows))).status_code == 302
    assert TPS.objects.get(number="905").facility == blora
    # Rembang's TPS 903 is not found, so it cannot be taken over: it would be a new one.
    rows = [["election", "number", "capacity"], ["PILKADA2024", "903", "1"]]
    assert "confirm_form" not in preview(client, TPS, csv_file(rows)).context
    tps_rembang.refresh_from_db()
    assert tps_rembang.capacity == 600


def test_one_bad_row_writes_no_row(admin_user, blora, client_for):
    rows = [["name", "kind"], ["Polres Blora", "penegak_hukum"], ["Kodim", "bukan-jenis"]]
    response = preview(client_for(admin_user), Institution, csv_file(rows))
    assert "confirm_form" not in response.context
    # The resource itself, as the confirm step runs it: all or nothing.
    dataset = tablib.Dataset(*rows[1:], headers=rows[0])
    result = InstitutionResource(user=admin_user).import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert not Institution.objects.filter(name="Polres Blora").exists()


def test_a_long_number_typed_as_a_number_is_refused(admin_user, kpu_blora, client_for):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "institution", "phone"])
    sheet.append(["Budi", "KPU Kabupaten Blora", 81234567890])  # the leading 0 is gone
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("kontak.xlsx", buffer.getvalue())
    response = preview(client_for(admin_user), Contact, upload, XLSX_FORMAT)
    assert "confirm_form" not in response.context
    assert "kolom teks" in response.content.decode()


def test_the_confirmed_file_must_be_the_previewed_one(
    admin_user, kpu_blora, private_root, client_for
):
    client = client_for(admin_user)
    upload = csv_file([["name", "institution"], ["Budi", "KPU Kabupaten Blora"]])
    response = preview(client, Contact, upload)
    form = response.context["confirm_form"]
    (stored,) = tmp_files(private_root)
    stored.write_bytes(b"name,institution\r\nDisisipkan,KPU Kabupaten Blora\r\n")
    done = client.post(urls(Contact, "process_import"), form.initial)
    assert done.status_code == 302 and done.url.endswith("/import/")
    assert not Contact.objects.exists()
    # A file this user did not preview is not taken at all.
    forged = {**form.initial, "import_file_name": "0" * 32}
    assert client.post(urls(Contact, "process_import"), forged).status_code == 403


def test_shared_rows_are_imported_by_a_global_administrator_only(
    admin_user, root, election, tps901, client_for
):
    rows = [
        ["code", "name", "kind", "polling_date", "region_code"],
        ["PILGUB2029", "Pilgub Jawa Tengah 2029", "pilkada", "2029-11-28", "33"],
    ]
    facility_admin = client_for(admin_user)
    NoticeTemplate.for_election(election)
    for model in (Election, TMSReason, NoticeTemplate):
        assert facility_admin.get(urls(model, "import")).status_code == 403
        for fmt in (CSV_FORMAT, XLSX_FORMAT):  # export within its scope
            assert export(facility_admin, model, fmt).status_code == 200
    assert preview(facility_admin, Election, csv_file(rows)).status_code == 403
    assert facility_admin.post(urls(Election, "process_import"), {}).status_code == 403
    assert not Election.objects.filter(code="PILGUB2029").exists()

    client = client_for(root)
    done = confirm(client, Election, preview(client, Election, csv_file(rows)))
    assert done.status_code == 302
    assert Election.objects.get(code="PILGUB2029").polling_date == dt.date(2029, 11, 28)


@pytest.mark.parametrize("role", ["operator", "kpps", "kpu", "observer", "outsider"])
def test_other_roles_reach_neither_import_nor_export(role, people, client_for):
    client = client_for(people[role])
    for model in (Institution, Contact, TPS, Election, TMSReason):
        for view in ("import", "export"):
            response = client.get(urls(model, view))
            assert response.status_code in (302, 403), (model, view)
            if response.status_code == 302:
                assert "/admin/login/" in response.url
        response = client.post(urls(model, "process_import"), {})
        assert response.status_code in (302, 403)
    assert not AuditEvent.objects.filter(action__in=["import", "export"]).exists()


def test_an_abandoned_upload_is_swept_after_an_hour(private_root):
    folder = private_root / TMP_FOLDER
    folder.mkdir()
    old, fresh = folder / "a", folder / "b"
    old.write_bytes(b"name\r\nBudi\r\n")
    fresh.write_bytes(b"name\r\nSari\r\n")
    hour_ago = time.time() - 3601
    os.utime(old, (hour_ago, hour_ago))
    assert sweep_transient_files(now=timezone.now()) == 1
    assert tmp_files(private_root) == [fresh]
