"""CONTRACT.md, second version, end to end through the commands, on a scenario of two facilities
of one regency: the Rutan and the Polres cells, whose detainee moves on to the Rutan.

Each category and tindakan of the contract's tables that the scenario can show is checked at
dates either side of the DPT's fixing and of the custody deadline (H-7).
"""

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

POLLING = "2024-11-27"
DPT_DATE = "2024-09-20"

ROSTER = (
    "no_registrasi;nama;nik;tanggal_lahir;jenis_kelamin;status_perkawinan;kode_wilayah;register;"
    "tanggal_masuk;tanggal_bebas\n"
    "BI.001/2024;BEBAS SEBELUM;3316011505800001;15-05-1980;L;S;33.16.01;B.I;01-01-2024;"
    "20-11-2024\n"
    "AII.002/2024;TAHANAN DIPERPANJANG;3316012006850002;20-06-1985;L;S;33.16.01;A.II;"
    "01-08-2024;25-11-2024\n"
) + """AI.003/2024;PINDAHAN POLRES;3316010101900003;01-01-1990;L;S;33.16.01;A.I;01-09-2024;
BI.004/2024;BELUM DI DAFTAR;3316010202910004;02-02-1991;L;S;33.16.01;B.I;01-03-2024;
BI.005/2024;TANPA NIK;;03-03-1992;L;S;33.16.01;B.I;01-03-2024;
"""
DPT_901 = """nik,nama,tanggal_lahir,jenis_kelamin
3316011505800001,BEBAS SEBELUM,15-05-1980,L
3316012006850002,TAHANAN DIPERPANJANG,20-06-1985,L
3316017007880009,AGUS PETUGAS,30-07-1988,L
3316019999999999,ORANG ASING,01-01-1970,L
"""
DPTB_005 = """nik,nama,tanggal_lahir,jenis_kelamin
3316010101900003,PINDAHAN POLRES,01-01-1990,L
"""
STAFF = """nik;nama pegawai;tgl lahir;jk;jabatan
3316017007880009;AGUS PETUGAS;30-07-1988;L;Regu Pengamanan
"""


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def regency(tmp_path):
    files = {}
    for name, text in {"sdp.csv": ROSTER, "dpt901.csv": DPT_901, "dptb005.csv": DPTB_005,
                       "petugas.csv": STAFF}.items():
        files[name] = tmp_path / name
        files[name].write_text(text, encoding="utf-8")
    run("add_facility", "RUTAN-BLORA", "--name", "Rutan Kelas IIB Blora", "--region", "33.16")
    run("add_facility", "POLRES-BLORA", "--name", "Polres Blora", "--region", "33.16",
        "--kind", "polres")
    run("add_election", "PILKADA2024", "--name", "Pilkada 2024", "--type", "pilkada",
        "--polling-date", POLLING, "--region", "33.16", "--dpt-date", DPT_DATE)
    run("add_tps", "PILKADA2024", "RUTAN-BLORA", "901")
    run("add_tps", "PILKADA2024", "POLRES-BLORA", "005", "--ksk")
    run("import_inmates", str(files["sdp.csv"]), "--facility", "RUTAN-BLORA")
    run("import_staff", str(files["petugas.csv"]), "--facility", "RUTAN-BLORA")
    run("import_voter_list", str(files["dpt901.csv"]), "--election", "PILKADA2024", "--tps",
        "901", "--kind", "DPT")
    run("import_voter_list", str(files["dptb005.csv"]), "--election", "PILKADA2024", "--tps",
        "005", "--kind", "DPTB")
    return tmp_path


def export(tmp_path, *extra, today):
    path = tmp_path / f"rekon-{today}.csv"
    run("export_reconciliation", "--election", "PILKADA2024", "--facility", "RUTAN-BLORA",
        "--format", "csv", "-o", str(path), "--today", today, *extra)
    with open(path, encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def by_name(rows):
    return {row["nama"]: row for row in rows}


@pytest.mark.parametrize(("today", "unlisted", "moved"), [
    ("2024-09-19", "USUL_DPT", "USUL_DPT"),  # the DPT is not fixed yet: propose for it
    ("2024-11-20", "CARI_DPT", "USUL_DPTB"),  # fixed; H-7 itself is still open
    ("2024-11-21", "LEWAT_BATAS", "LEWAT_BATAS"),  # past H-7
])
def test_every_row_gets_its_category_and_tindakan_on_the_date(regency, today, unlisted, moved):
    rows = by_name(export(regency, today=today))
    expect = {
        "BEBAS SEBELUM": ("KELUAR", "LAPOR_KPU"),  # a convict released before polling day
        "AGUS PETUGAS": ("PETUGAS", ""),  # an officer on the TPS's DPT
        "ORANG ASING": ("TIDAK_DIKENAL", "LAPOR_KPU"),
        "TAHANAN DIPERPANJANG": ("TERDAFTAR", "KONFIRMASI_PENAHANAN"),
        "TANPA NIK": ("PEREKAMAN", "REKAM_KTP"),
        "PINDAHAN POLRES": ("USUL_DPTB", moved),
        "BELUM DI DAFTAR": ("BELUM_TERDAFTAR", unlisted),
    }
    assert {name: (r["kategori"], r["tindakan"]) for name, r in rows.items()} == expect
    assert "TPS 005 (Polres Blora)" in rows["PINDAHAN POLRES"]["alasan"]
    assert "masa penahanan berakhir 25-11-2024" in rows["TAHANAN DIPERPANJANG"]["alasan"]
    assert all("DPK" not in r["alasan"] for r in rows.values())
    assert list(rows["BEBAS SEBELUM"])[-1] == "tindakan"


def test_reconcile_json_reports_the_churn_since_the_previous_run(regency, tmp_path):
    first = json.loads(run("reconcile", "--election", "PILKADA2024", "--facility",
                           "RUTAN-BLORA", "--today", "2024-11-20", "--json"))
    assert first["changes"] == []  # no previous run
    assert first["categories"]["PETUGAS"] == 1
    roster = tmp_path / "sdp2.csv"
    roster.write_text(
        ROSTER.replace("03-03-1992;L;S;33.16.01;B.I;01-03-2024;",
                       "03-03-1992;L;S;33.16.01;B.I;01-03-2024;15-11-2024")
        + "BI.006/2024;BARU MASUK;3316010404930006;04-04-1993;L;S;33.16.01;B.I;10-11-2024;\n",
        encoding="utf-8")
    run("import_inmates", str(roster), "--facility", "RUTAN-BLORA")
    second = json.loads(run("reconcile", "--election", "PILKADA2024", "--facility",
                            "RUTAN-BLORA", "--today", "2024-11-20", "--json"))
    changes = {c["no_registrasi"]: c for c in second["changes"]}
    assert changes["BI.005/2024"] == {"no_registrasi": "BI.005/2024", "nik": "",
                                      "from": "PEREKAMAN", "to": "KELUAR"}
    assert changes["BI.006/2024"]["from"] is None
    assert changes["BI.006/2024"]["to"] == "BELUM_TERDAFTAR"
    assert len(changes) == 2
    again = json.loads(run("reconcile", "--election", "PILKADA2024", "--facility",
                           "RUTAN-BLORA", "--today", "2024-11-20", "--json"))
    assert again["changes"] == []  # nothing changed since
    rows = export(tmp_path, "--kind", "perubahan", today="2024-11-20")
    assert rows == []  # the export's run is the latest, equal to the one before


def test_the_perubahan_export_lists_the_churn_with_its_columns(regency, tmp_path):
    run("reconcile", "--election", "PILKADA2024", "--facility", "RUTAN-BLORA", "--today",
        "2024-11-20")
    roster = tmp_path / "sdp3.csv"
    roster.write_text(ROSTER + "BI.007/2024;ORANG BARU;3316010505940007;05-05-1994;L;S;"
                      "33.16.01;B.I;10-11-2024;\n", encoding="utf-8")
    run("import_inmates", str(roster), "--facility", "RUTAN-BLORA")
    rows = export(tmp_path, "--kind", "perubahan", today="2024-11-20")
    assert list(rows[0]) == ["no_registrasi", "nik", "nama", "kategori_sebelum", "kategori",
                             "tindakan", "alasan"]
    assert [(r["no_registrasi"], r["kategori_sebelum"], r["kategori"], r["tindakan"])
            for r in rows] == [("BI.007/2024", "", "BELUM_TERDAFTAR", "CARI_DPT")]


def test_a_region_export_writes_every_facility_of_the_election_with_a_upt_column(regency,
                                                                                   tmp_path):
    run("add_facility", "LAPAS-JEPARA", "--name", "Lapas Jepara", "--region", "33.20")
    run("add_tps", "PILKADA2024", "LAPAS-JEPARA", "777")  # another regency: left out
    path = tmp_path / "blora.csv"
    out = run("export_reconciliation", "--election", "PILKADA2024", "--region", "3316",
              "--format", "csv", "-o", str(path), "--today", "2024-11-20")
    assert "(2 UPT)" in out
    with open(path, encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:2] == ["upt", "kategori"] and list(rows[0])[-1] == "tindakan"
    assert {r["upt"] for r in rows} == {"RUTAN-BLORA", "POLRES-BLORA"}
    rutan = export(tmp_path, today="2024-11-20")
    assert [r for r in rows if r["upt"] == "RUTAN-BLORA"] == [{"upt": "RUTAN-BLORA", **r}
                                                              for r in rutan]
    polres = {r["nama"]: r["kategori"] for r in rows if r["upt"] == "POLRES-BLORA"}
    assert polres == {"PINDAHAN POLRES": "TIDAK_DIKENAL"}  # the Polres has no roster here


def test_a_region_export_in_xlsx_and_the_facility_and_region_options_exclude_each_other(
    regency, tmp_path
):
    from python_calamine import CalamineWorkbook

    path = tmp_path / "blora.xlsx"
    run("export_reconciliation", "--election", "PILKADA2024", "--region", "33.16",
        "--format", "xlsx", "-o", str(path), "--today", "2024-11-20")
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "upt" and {r[0] for r in sheet[1:]} == {"RUTAN-BLORA", "POLRES-BLORA"}
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("export_reconciliation", "--election", "PILKADA2024", "--region", "33.16",
            "--facility", "RUTAN-BLORA", "--format", "csv", "-o", str(path))
    with pytest.raises(CommandError, match="tidak dikenal"):
        run("export_reconciliation", "--election", "PILKADA2024", "--region", "99.99",
            "--format", "csv", "-o", str(path))
