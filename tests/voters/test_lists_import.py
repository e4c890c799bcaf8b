"""import_voter_list: the contract on real-world mess, all or nothing, idempotent, replacing."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from kpu_files import KPU_HEADER, kpu_csv, kpu_rows, kpu_xlsx, write_csv

from voters.models import AuditEvent, ImportBatch, ListEntry, VoterList

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def import_list(path, kind="DPT", tps="901"):
    return run("import_voter_list", str(path), "--election", "PILKADA2024", "--tps", tps,
               "--kind", kind)  # fmt: skip


def entries(kind="DPT"):
    return {e.nama: e for e in ListEntry.objects.filter(voter_list__kind=kind)}


def test_it_imports_a_semicolon_csv_with_a_bom_and_title_rows(tps901, tmp_path):
    path = kpu_csv(tmp_path, title=["DAFTAR PEMILIH TETAP (DPT)", "KABUPATEN BLORA"])
    message = import_list(path)
    assert message.startswith("DPT TPS 901 (PILKADA2024): 5 pemilih")
    assert "\n" not in message
    voter_list = VoterList.objects.get(tps=tps901, kind="DPT")
    assert voter_list.row_count == 5
    assert voter_list.counts["sex"] == {"L": 3, "P": 2}
    people = entries()
    budi = people["BUDI SANTOSO"]
    assert (budi.nik, budi.nik_format, budi.position, budi.row_number) == (
        "3316011505800001",
        "valid",
        1,
        4,
    )
    assert budi.tanggal_lahir == dt.date(1980, 5, 15)
    assert budi.nkk == "3316011203150001"
    slamet = people["SLAMET RIYADI"]
    assert (slamet.nik, slamet.nik_format) == ("331601**********", "masked")
    assert slamet.tanggal_lahir == dt.date(1990, 7, 7)
    assert (slamet.disabilitas, slamet.keterangan, slamet.tps_number) == (1, "B", "901")
    blank = people["TANPA NIK"]
    assert (blank.nik, blank.nik_format, blank.tanggal_lahir) == ("", "blank", dt.date(1975, 3, 1))
    assert people["ENDANG LESTARI"].status_perkawinan == "P"


def test_it_reads_windows_1252_commas_and_header_aliases(tps901, tmp_path):
    header = ["No. KK", "No NIK", "Nama Pemilih", "Tmp. Lahir", "Tgl. Lahir", "L/P",
              "Status Kawin", "Alamat", "Kel/Desa", "Kec", "No TPS", "Jenis Disabilitas",
              "Ket"]  # fmt: skip
    rows = [["", "3316011505800001", "RENÉ SUBAGYO", "BLORA", "15/05/1980", "Laki-laki",
             "Kawin", "DUKUH KRAJAN", "JEPON", "JEPON", "TPS 901", "1 - Fisik", ""]]  # fmt: skip
    path = write_csv(tmp_path / "dpt.csv", rows, header=header, delimiter=",", encoding="cp1252")
    import_list(path)
    rene = entries()["RENÉ SUBAGYO"]
    assert (rene.jenis_kelamin, rene.status_perkawinan, rene.disabilitas) == ("L", "S", 1)
    assert (rene.kelurahan, rene.kecamatan, rene.tps_number) == ("JEPON", "JEPON", "901")


def test_it_reads_xlsx_date_cells_and_numeric_nik_cells(tps901, tmp_path):
    rows = kpu_rows()
    rows[0][1] = 3316011203150001  # NKK typed as a number
    rows[0][2] = 3316011505800001  # NIK typed as a number: Excel may have lost the last digit
    rows[1][5] = dt.datetime(1985, 6, 2)
    rows[4][16] = 901  # the TPS as a number cell
    import_list(kpu_xlsx(tmp_path, rows, title=["DPT TPS 901"]))
    people = entries()
    assert people["BUDI SANTOSO"].nik_format == "invalid"
    assert people["BUDI SANTOSO"].nkk == "3316011203150001"
    assert people["SITI AMINAH"].tanggal_lahir == dt.date(1985, 6, 2)
    assert people["ENDANG LESTARI"].tps_number == "901"


def test_one_bad_row_rejects_the_file_and_keeps_the_previous_list(tps901, tmp_path):
    import_list(kpu_csv(tmp_path))
    before = sorted(ListEntry.objects.values_list("pk", "nama"))
    old = VoterList.objects.get()
    rows = kpu_rows()
    rows[2][5] = "31-02-1990"
    with pytest.raises(CommandError) as caught:
        import_list(kpu_csv(tmp_path, rows, name="dpt_baru.csv"))
    message = str(caught.value)
    assert 'Berkas "dpt_baru.csv" ditolak' in message
    assert 'baris 4, kolom tanggal_lahir: tanggal "31-02-1990" tidak dapat dibaca' in message
    assert sorted(ListEntry.objects.values_list("pk", "nama")) == before
    assert VoterList.objects.get().sha256 == old.sha256
    batch = ImportBatch.objects.filter(kind="voter_list").latest("created_at")
    assert batch.status == "failed"
    assert batch.row_errors[0]["row"] == 4
    assert AuditEvent.objects.filter(action="import", result="rejected").exists()


def test_every_bad_row_is_named_with_its_column(tps901, tmp_path):
    rows = kpu_rows()
    rows[0][3] = ""  # nama
    rows[3][8] = "W"  # jenis kelamin
    rows[4][12] = "9"  # disabilitas
    with pytest.raises(CommandError) as caught:
        import_list(kpu_csv(tmp_path, rows))
    message = str(caught.value)
    assert "baris 2, kolom nama: wajib diisi, tetapi kosong" in message
    assert 'baris 5, kolom jenis_kelamin: jenis kelamin "W" tidak dikenali' in message
    assert "baris 6, kolom disabilitas" in message
    assert not VoterList.objects.exists()
    assert not ListEntry.objects.exists()


def test_a_row_of_another_tps_is_a_row_error(tps901, tmp_path):
    rows = kpu_rows()
    rows[1][16] = "TPS 902"
    with pytest.raises(CommandError) as caught:
        import_list(kpu_csv(tmp_path, rows))
    assert "baris 3, kolom tps: TPS 902 berbeda dengan TPS tujuan 901" in str(caught.value)
    assert not ListEntry.objects.exists()


def test_a_file_without_a_required_column_is_rejected(tps901, tmp_path):
    rows = [row[:3] + row[5:] for row in kpu_rows()]
    header = KPU_HEADER[:3] + KPU_HEADER[5:]
    with pytest.raises(CommandError) as caught:
        import_list(write_csv(tmp_path / "dpt.csv", rows, header=header))
    assert "kolom wajib tidak ditemukan: nama" in str(caught.value)


def test_the_same_file_twice_changes_nothing(tps901, tmp_path):
    path = kpu_csv(tmp_path)
    import_list(path)
    rows_before = sorted(ListEntry.objects.values_list("pk", "nik", "nama", "position"))
    message = import_list(path)
    assert "tidak ada perubahan" in message
    assert sorted(ListEntry.objects.values_list("pk", "nik", "nama", "position")) == rows_before


def test_reimporting_replaces_the_list_without_orphans(tps901, tmp_path):
    import_list(kpu_csv(tmp_path))
    rows = kpu_rows()[:2]
    message = import_list(kpu_csv(tmp_path, rows, name="dpt_revisi.csv"))
    assert "daftar lama diganti" in message
    assert ListEntry.objects.count() == 2
    assert set(entries()) == {"BUDI SANTOSO", "SITI AMINAH"}
    assert VoterList.objects.get().file_name == "dpt_revisi.csv"


def test_lists_of_each_kind_are_kept_apart(tps901, tmp_path):
    import_list(kpu_csv(tmp_path))
    import_list(kpu_csv(tmp_path, kpu_rows()[:1], name="dptb.csv"), kind="dptb")
    assert VoterList.objects.get(kind="DPTB").row_count == 1
    assert VoterList.objects.get(kind="DPT").row_count == 5


def test_an_empty_list_is_a_list_of_nobody(tps901, tmp_path):
    message = import_list(kpu_csv(tmp_path, [], name="dpk.csv"), kind="DPK")
    assert "0 pemilih" in message
    assert VoterList.objects.get(kind="DPK").row_count == 0


def test_the_same_nik_twice_is_reported_but_imported(tps901, tmp_path):
    rows = kpu_rows()
    rows.append(list(rows[0]))
    message = import_list(kpu_csv(tmp_path, rows))
    assert "1 NIK ganda" in message
    assert VoterList.objects.get().counts["duplicate_rows"] == [[7, 2]]


def test_an_unknown_election_tps_or_file_exits_with_a_message(tps901, tmp_path):
    path = str(kpu_csv(tmp_path))
    with pytest.raises(CommandError, match="Pemilihan 'PEMILU2029' tidak ditemukan"):
        run("import_voter_list", path, "--election", "PEMILU2029", "--tps", "901", "--kind", "DPT")
    with pytest.raises(CommandError, match="TPS 999 tidak ada"):
        import_list(path, tps="999")
    with pytest.raises(CommandError, match="tidak ditemukan"):
        import_list(tmp_path / "tidak_ada.csv")
    with pytest.raises(CommandError):
        import_list(path, kind="DPX")


def test_the_tps_may_be_given_as_the_kpu_writes_it(tps901, tmp_path):
    import_list(kpu_csv(tmp_path), tps="TPS 0901")
    assert VoterList.objects.get().tps == tps901


def test_each_import_is_audited_with_its_hash_and_row_count(tps901, tmp_path):
    path = kpu_csv(tmp_path)
    import_list(path)
    event = AuditEvent.objects.get(action="import", result="ok")
    voter_list = VoterList.objects.get()
    assert (event.row_count, event.sha256) == (5, voter_list.sha256)
    assert event.object_type == "voters.VoterList"
    assert event.facility == tps901.facility
