"""A realistic world for the security tests: every kind of personal data the system holds.

Blora (the users' facility) gets an imported SDP roster with NIKs and KK numbers, the letter
world of pages_letters (DPT and DPTb of TPS 901 and 902 with full NIKs), a reference DPT, a
finished reconciliation run, a rendered letter batch, deliveries, polling-day check-ins (one a
DPK addition with its NIK), a Dukcapil request file, a failed import with row errors and a
coordination meeting. Rembang (the outsider's facility) gets inmates and a list of its own.

`scan(data, content_type)` turns any response body (HTML, JSON, CSV, XLSX, PDF) into text, and
`leaks(text, world)` lists the full NIK/KK numbers and whole birth dates found in it.
"""

import datetime as dt
import io
import re
import zipfile

from voters.models import (
    ImportBatch,
    Inmate,
    ListEntry,
    PollingCheckIn,
    ReconciliationItem,
    ReferenceEntry,
)

NIK16 = re.compile(r"(?<!\d)\d{16}(?!\d)")
MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
POLLING_DAY = dt.date(2024, 11, 27)
TODAY = dt.date(2024, 11, 15)

ROSTER = (
    "no_registrasi;nama;nik;no_kk;tanggal_lahir;jenis_kelamin;status_perkawinan;kode_wilayah;"
    "register;tanggal_masuk;tanggal_bebas;tanggal_keluar;jenis_keluar;blok\n"
    "S.01;SLAMET RIYADI;3316011505800101;3316010101090001;15-05-1980;L;S;33.16.01;A.II;"
    "01-09-2024;;;;A\n"
    "S.02;SRI WAHYUNI;3316014206850102;3316010101090002;02-06-1985;P;S;33.16.01;A.II;"
    "01-09-2024;;;;B\n"
    "S.03;SUDAH BEBAS;3316010101700103;3316010101090003;01-01-1970;L;S;33.16.01;B.I;"
    "01-01-2024;;10-11-2024;bebas;A\n"
    "S.04;PINDAHAN BARU;3316010707900109;3316010101090004;07-07-1990;L;S;33.16.02;A.I;"
    "05-11-2024;;;;D\n"
    "S.05;\"=HYPERLINK(\"\"http://x/\"\")\";3316010808900110;;08-08-1990;L;S;33.16.03;A.I;"
    "05-11-2024;;;;D\n"
)
REFERENCE = (
    "NIK;NKK;NAMA;TANGGAL LAHIR;JENIS KELAMIN;KELURAHAN;KECAMATAN;TPS\n"
    "3316010707900109;3316010101090004;PINDAHAN BARU;07-07-1990;L;JEPON;JEPON;005\n"
    "3316019999990001;3316010101099999;ORANG LAIN;11-03-1999;L;BLORA;BLORA;001\n"
)


def load_pages():
    """Import every tests/pages_*.py so that matrix.PAGES holds every page; returns PAGES."""
    import importlib
    import pkgutil
    from pathlib import Path

    from matrix import PAGES

    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("pages_"):
            importlib.import_module(info.name)
    return PAGES


def places(people, blora, rembang, election, tps901, tps902, tps_rembang):
    """The matrix's world dict from the conftest fixtures."""
    return {"people": people, "blora": blora, "rembang": rembang, "election": election,
            "tps901": tps901, "tps902": tps902, "tps_rembang": tps_rembang}


def letter_world_once(monkeypatch):
    """Several of the matrix's pages build the letter world of TPS 901: here, once per TPS.
    Returns the dict of what was built (TPS pk → LetterWorld)."""
    import pages_letters

    built = {}
    original = pages_letters.build_letter_world

    def once(tps):
        if tps.pk not in built:
            built[tps.pk] = original(tps)
        return built[tps.pk]

    monkeypatch.setattr(pages_letters, "build_letter_world", once)
    return built


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    return path


def build(world, tmp_path):
    """Fill `world` (the matrix world dict) with the data above; returns it."""
    from pages_letters import build_letter_world, make_inmate, make_list, nik_for

    from coordination import services as coord
    from coordination.models import ActionItem, Attendee, Meeting
    from voters.inmates import dukcapil
    from voters.inmates.services import import_inmates
    from voters.letters import polling
    from voters.letters import services as letters
    from voters.lists.services import import_reference_dpt
    from voters.reconciliation.services import reconcile

    people = world["people"]
    blora, rembang = world["blora"], world["rembang"]
    election, tps901, tps902 = world["election"], world["tps901"], world["tps902"]
    operator, kpps = people["operator"], people["kpps"]

    world["letter_worlds"] = {
        tps901.pk: build_letter_world(tps901),
    }
    import_inmates(path=_write(tmp_path, "sdp.csv", ROSTER), facility=blora, user=operator)
    import_reference_dpt(path=_write(tmp_path, "ref.csv", REFERENCE), election=election,
                         user=people["kpu"])
    # TPS 902: a list of its own with a full NIK and KK (a KPPS of 901 must not see it).
    hadi = make_inmate(blora, "T.902/2024", "HADI TPS SEMBILAN", birth=dt.date(1977, 10, 21),
                       serial=21, blok="C")
    make_list(tps902, "DPT", [{"nama": hadi.nama, "nik": hadi.nik, "nkk": "3316010101090902",
                               "tanggal_lahir": hadi.tanggal_lahir, "jenis_kelamin": "L"}])
    # The other facility.
    rina = make_inmate(rembang, "R.1/2024", "RINA REMBANG", birth=dt.date(1983, 4, 18),
                       sex="P", nik=nik_for(dt.date(1983, 4, 18), "P", 31, region="331701"),
                       kode_wilayah="33.17.01")
    make_list(world["tps_rembang"], "DPT", [(rina.nama, rina.nik, rina.tanggal_lahir, "P")])

    world["run"] = reconcile(election=election, facility=blora, today=TODAY, user=operator)

    batch = letters.start_letter_batch(tps=tps901, user=kpps)
    letters.run_letter_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "done", batch.error
    world["letter_batch"] = batch
    voters = letters.recipients(tps901)
    letters.record_delivery(tps=tps901, key=voters[0].key, status="delivered", user=kpps,
                            delivered_on=dt.date(2024, 11, 24))
    at_eight = dt.datetime(2024, 11, 27, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    polling.check_in(tps=tps901, key=voters[1].key, user=kpps, now=at_eight)
    dpk = make_inmate(blora, "DPK.1/2024", "DPK DI TPS", birth=dt.date(1991, 9, 13), serial=41)
    PollingCheckIn.objects.create(
        election=election, tps=tps901, voter_key=f"wbp:{dpk.pk}", inmate=dpk, list_kind="DPK",
        list_number=1, nama=dpk.nama, jenis_kelamin="L", nik=dpk.nik,
        tanggal_lahir=dpk.tanggal_lahir, alamat="DUSUN KRAJAN", kode_wilayah="33.16.01",
        is_dpk_addition=True, voted_at=at_eight, by=kpps)

    inside = list(Inmate.objects.filter(facility=blora).exclude(nik="")[:3])
    world["dukcapil_request"] = dukcapil.create_request(
        facility=blora, inmate_ids=[i.pk for i in inside], user=operator)
    ImportBatch.objects.create(
        kind="inmates", facility=blora, file_name="sdp-rusak.csv", status="failed",
        created_by=operator,
        row_errors=[{"row": 3, "column": "nik",
                     "message": "NIK 3316011505800101 sudah dipakai WBP lain"}],
    )

    meeting = coord.create_meeting(
        meeting=Meeting(facility=blora, election=election, title="Rapat Koordinasi Blora",
                        date=dt.date(2024, 11, 20), stage=Meeting.Stage.VOTING,
                        minutes="Dibahas WBP SLAMET RIYADI."),
        user=operator,
    )
    coord.ensure_institutions(blora)
    Attendee.objects.create(meeting=meeting, name="Ketua KPPS 901")
    coord.add_decision(meeting=meeting, text="Usulkan PINDAHAN BARU ke DPTb", user=operator)
    coord.create_action_item(
        item=ActionItem(meeting=meeting, title="Serahkan data WBP baru",
                        owner_institution=coord.institutions_of(blora).first(),
                        due_date=dt.date(2024, 11, 20)),
        user=operator, references=["Reg. S.04"],
    )
    world["meeting"] = meeting
    return world


# -- what counts as a leak -------------------------------------------------------------------


def full_numbers(facilities=None):
    """Every full NIK and KK number the world holds (of the given facilities' people, or all)."""
    numbers = set()
    inmates = Inmate.objects.all()
    entries = ListEntry.objects.all()
    if facilities is not None:
        inmates = inmates.filter(facility__in=facilities)
        entries = entries.filter(voter_list__tps__facility__in=facilities)
    for nik, kk in inmates.values_list("nik", "no_kk"):
        numbers.update(v for v in (nik, kk) if NIK16.fullmatch(v or ""))
    for nik, kk in entries.values_list("nik", "nkk"):
        numbers.update(v for v in (nik, kk) if NIK16.fullmatch(v or ""))
    if facilities is None:
        for nik, kk in ReferenceEntry.objects.values_list("nik", "nkk"):
            numbers.update(v for v in (nik, kk) if NIK16.fullmatch(v or ""))
    return numbers


def birth_dates():
    days = set(Inmate.objects.values_list("tanggal_lahir", flat=True))
    days |= set(ListEntry.objects.values_list("tanggal_lahir", flat=True))
    days |= set(ReferenceEntry.objects.values_list("tanggal_lahir", flat=True))
    days |= set(ReconciliationItem.objects.exclude(tanggal_lahir=None)
                .values_list("tanggal_lahir", flat=True))
    days |= set(PollingCheckIn.objects.exclude(tanggal_lahir=None)
                .values_list("tanggal_lahir", flat=True))
    return {d for d in days if d is not None}


def date_spellings(day):
    """The ways a page, an export or a PDF could write a whole date."""
    d, m, y = day.day, day.month, day.year
    return {
        f"{d:02d}-{m:02d}-{y}", f"{d}-{m}-{y}", f"{y}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}",
        f"{d}/{m}/{y}", f"{d:02d}.{m:02d}.{y}", f"{d} {MONTHS_ID[m - 1]} {y}",
        f"{d:02d} {MONTHS_ID[m - 1]} {y}", f"{d} {MONTHS_EN[m - 1]} {y}",
        f"{MONTHS_EN[m - 1]} {d}, {y}", f"{MONTHS_EN[m - 1][:3]}. {d}, {y}",
        f"{d} {MONTHS_ID[m - 1][:3]} {y}", f"{d:02d}{m:02d}{y}",
    }


def leaks(text, *, numbers=None, days=None):
    """Full 16-digit numbers (any, or only those given) and whole birth dates found in text."""
    found = [f"nik:{n}" for n in NIK16.findall(text) if numbers is None or n in numbers]
    for day in days or ():
        for spelling in date_spellings(day):
            if spelling in text:
                found.append(f"lahir:{spelling}")
    return found


def scan(data, content_type=""):
    """Text of a response body, whatever its format (PDF text layer, XLSX sheet XML, text)."""
    if data[:5] == b"%PDF-":
        import pypdf

        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
            text = "\n".join(page.extract_text() or "" for page in reader.pages)
            metadata = str(dict(reader.metadata or {}))
        except pypdf.errors.PdfReadError:  # the matrix's stand-in PDFs have no pages
            text = metadata = ""
        # WeasyPrint compresses its streams: the text layer and the metadata are what a reader
        # of the PDF sees. Embedded files would show up as /EmbeddedFile (never allowed).
        return "\n".join([text, metadata, "/EmbeddedFile" if b"/EmbeddedFile" in data else ""])
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return data.decode("utf-8-sig", "replace")


def body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


__all__ = ["body", "build", "full_numbers", "leaks", "scan"]
