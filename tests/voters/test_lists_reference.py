"""import_reference_dpt: the regency DPT loaded whole, swapped in atomically, searchable.

On PostgreSQL (CI) each load is its own partition; on SQLite the same commands work on a
plain table. The tests assert what both must do, and check the partitions where they exist."""

import datetime as dt
import hashlib
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from kpu_files import kpu_csv, kpu_rows, kpu_xlsx

from voters.lists.services import active_reference, discard_reference, search_reference
from voters.models import ReferenceDPT, ReferenceEntry

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(not settings.IS_POSTGRES, reason="partitions are PostgreSQL's")


def sha256_of(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load(path):
    out = StringIO()
    call_command("import_reference_dpt", str(path), "--election", "PILKADA2024", stdout=out)
    return out.getvalue().strip()


def regency_rows(count, tps_offset=0):
    """``count`` distinct people of Blora, four to a birth date."""
    rows = []
    for n in range(count):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=n // 4)
        woman = n % 2
        nik = f"331601{born.day + 40 * woman:02d}{born:%m%y}{n % 10000:04d}"
        if n % 10 == 3:
            nik = nik[:6] + "*" * 10
        rows.append(
            [str(n + 1), "", nik, f"WARGA {_word(n)}", "BLORA", f"{born:%d-%m-%Y}", "", "S",
             "P" if woman else "L", "DUKUH KRAJAN", "001", "002", "", "", "JEPON", "JEPON",
             f"{(n + tps_offset) % 30 + 1:03d}"]
        )  # fmt: skip
    return rows


def _word(n):
    """A distinct name word per person: 'BABA', 'BABE', ..."""
    syllables = ["BA", "DI", "GU", "KE", "LO", "MA", "NI", "PU", "RE", "SO"]
    return "".join(syllables[int(digit)] for digit in f"{n:04d}")


def partitions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = 'voters_referenceentry' AND c.relkind = 'r' ORDER BY 1"
        )
        return [name for (name,) in cursor.fetchall()]


def test_it_loads_the_reference_dpt_and_counts_it(election, tmp_path):
    message = load(kpu_csv(tmp_path, regency_rows(300), name="dpt_blora.csv"))
    assert message.startswith('DPT rujukan PILKADA2024: 300 pemilih dari "dpt_blora.csv"')
    reference = active_reference(election)
    assert reference.row_count == ReferenceEntry.objects.filter(reference=reference).count() == 300
    assert reference.counts["sex"] == {"L": 150, "P": 150}
    assert reference.counts["nik"]["masked"] == 30
    first = ReferenceEntry.objects.get(reference=reference, position=1)
    assert (first.nama, first.tps, first.tanggal_lahir) == (
        "WARGA BABABABA",
        "1",
        dt.date(1950, 1, 1),
    )


def test_people_are_found_by_nik_and_by_birth_date_and_name(election, tmp_path):
    load(kpu_csv(tmp_path, regency_rows(300)))
    reference = active_reference(election)
    full = ReferenceEntry.objects.filter(reference=reference, nik_format="valid").first()
    assert [e.position for e in search_reference(reference, nik=full.nik)] == [full.position]
    masked = ReferenceEntry.objects.filter(reference=reference, nik_format="masked").first()
    found = search_reference(reference, nama=masked.nama, tanggal_lahir=masked.tanggal_lahir)
    assert found[0].position == masked.position
    same_day = search_reference(reference, tanggal_lahir=masked.tanggal_lahir)
    assert len(same_day) == 4


@pytest.mark.parametrize("quoted", [False, True], ids=["polars", "csv-module"])
def test_niks_of_16_digits_are_kept_as_numbers_for_the_index(election, tmp_path, quoted):
    rows = regency_rows(120)
    rows[5][2] = "3316-0142-0685-0002"  # cleaned to 16 digits
    rows[6][2] = "NIK BELUM ADA"
    if quoted:
        rows[7][3] = 'WARGA "GENDON"'  # a quote: read by the csv module, not Polars
    load(kpu_csv(tmp_path, rows))
    reference = active_reference(election)
    entries = list(ReferenceEntry.objects.filter(reference=reference).order_by("position"))
    assert len(entries) == 120
    for entry in entries:
        digits = len(entry.nik) == 16 and entry.nik.isdigit()
        assert entry.nik_angka == (int(entry.nik) if digits else None), entry.nik
    assert entries[5].nik_angka == 3316014206850002
    assert entries[6].nik_angka is None
    assert sum(entry.nik_angka is None for entry in entries) >= 12  # masked, blank, no NIK
    found = search_reference(reference, nik="3316014206850002")
    assert [entry.position for entry in found] == [6]


def test_a_new_load_replaces_the_previous_one_whole(election, tmp_path):
    before = set(partitions()) if settings.IS_POSTGRES else set()
    load(kpu_csv(tmp_path, regency_rows(200), name="lama.csv"))
    old = active_reference(election)
    message = load(kpu_csv(tmp_path, regency_rows(120, tps_offset=1), name="baru.csv"))
    assert "DPT rujukan lama diganti" in message
    new = active_reference(election)
    old.refresh_from_db()
    assert (old.status, new.status) == ("replaced", "active")
    assert ReferenceEntry.objects.count() == 120
    assert not ReferenceEntry.objects.filter(reference=old).exists()
    if settings.IS_POSTGRES:
        assert set(partitions()) - before == {new.partition_name}


def test_a_failed_load_leaves_the_previous_reference_in_force(election, tmp_path):
    before = set(partitions()) if settings.IS_POSTGRES else set()
    load(kpu_csv(tmp_path, regency_rows(100), name="lama.csv"))
    good = active_reference(election)
    rows = regency_rows(150)
    rows[120][5] = "30-02-1960"
    rows[140][8] = ""
    with pytest.raises(CommandError) as caught:
        load(kpu_csv(tmp_path, rows, name="rusak.csv"))
    message = str(caught.value)
    assert 'Berkas "rusak.csv" ditolak: 2 kesalahan' in message
    assert "baris 122, kolom tanggal_lahir" in message
    assert "baris 142, kolom jenis_kelamin: wajib diisi" in message
    assert active_reference(election) == good
    assert ReferenceEntry.objects.count() == 100
    failed = ReferenceDPT.objects.get(file_name="rusak.csv")
    assert failed.status == "failed"
    assert failed.sha256 == sha256_of(tmp_path / "rusak.csv")  # recorded though it failed
    if settings.IS_POSTGRES:
        assert set(partitions()) - before == {good.partition_name}


def test_loading_the_same_file_twice_changes_nothing(election, tmp_path):
    path = kpu_csv(tmp_path, regency_rows(50))
    load(path)
    first = active_reference(election)
    assert first.sha256 == sha256_of(path)
    assert "tidak ada perubahan" in load(path)
    assert active_reference(election) == first
    assert ReferenceDPT.objects.count() == 1
    assert ReferenceEntry.objects.count() == 50


def test_a_reference_in_xlsx_is_loaded_too(election, tmp_path):
    rows = kpu_rows()
    rows[1][5] = dt.datetime(1985, 6, 2)
    load(kpu_xlsx(tmp_path, rows, title=["DPT KABUPATEN BLORA"]))
    reference = active_reference(election)
    assert reference.row_count == 5
    siti = ReferenceEntry.objects.get(reference=reference, nama="SITI AMINAH")
    assert siti.tanggal_lahir == dt.date(1985, 6, 2)


def test_a_discarded_reference_leaves_no_rows(election, tmp_path):
    load(kpu_csv(tmp_path, regency_rows(30)))
    reference = active_reference(election)
    discard_reference(reference)
    assert not ReferenceEntry.objects.exists()
    assert active_reference(election) is None


@on_postgres
def test_each_load_is_an_attached_partition_with_the_matching_indexes(election, tmp_path):
    before = set(partitions())
    load(kpu_csv(tmp_path, regency_rows(80)))
    reference = active_reference(election)
    assert set(partitions()) - before == {reference.partition_name}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname",
            [reference.partition_name],
        )
        definitions = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c' "
            "AND conname LIKE %s",
            [reference.partition_name, "%_load"],
        )
        assert cursor.fetchone()[0] == 0  # the loading CHECK constraint was dropped
    assert any("(tanggal_lahir)" in d for d in definitions)
    assert any("(nik_angka) WHERE (nik_angka IS NOT NULL)" in d for d in definitions)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the table is tiny here
        cursor.execute(
            "EXPLAIN SELECT * FROM voters_referenceentry "
            "WHERE reference_id = %s AND nik_angka = %s",
            [reference.pk, 3316010101500000],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert reference.partition_name in plan
    assert "Seq Scan" not in plan


@on_postgres
def test_a_load_takes_no_lock_that_blocks_readers_before_its_end(election, tmp_path):
    """The new rows are invisible until the swap: a reader in the middle sees the old load."""
    load(kpu_csv(tmp_path, regency_rows(40), name="lama.csv"))
    old = active_reference(election)
    seen = []
    from voters.lists import services as lists

    original = lists._activate

    def spy(reference, reader, count):
        seen.append(ReferenceEntry.objects.filter(reference=old).count())
        return original(reference, reader, count)

    lists._activate = spy
    try:
        load(kpu_csv(tmp_path, regency_rows(60), name="baru.csv"))
    finally:
        lists._activate = original
    assert seen == [40]
