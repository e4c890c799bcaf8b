"""Journey: KPU Kabupaten Blora's liaison (``add_user --region 33.16``, issue 16) opens the
regency page: the Rutan and the Polres cells of one election together, with the detainee who
left the Polres cells on Monday and entered the Rutan on Tuesday as one line with both TPS; she
picks the Polres in the top bar, reads its reconciliation and takes one export of every
facility with its ``upt`` column."""

import csv
import io
from datetime import timedelta

import pytest
from e2e_browser import Person
from e2e_config import ELECTION, FACILITY, PASSWORD, local_today
from e2e_fixtures import app, browser, chromium_path, e2e_databases, polling_day  # noqa: F401
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

HEADER = "no_registrasi;nama;nik;tanggal_lahir;jenis_kelamin;kode_wilayah;tanggal_masuk;" \
         "tanggal_keluar;jenis_keluar\n"


def rosters(today):
    left, arrived = today - timedelta(days=4), today - timedelta(days=3)
    polres = HEADER + "".join([
        f"T/012/10/2024/Reskrim;AGUS SETIAWAN;3316031505900001;15-05-1990;L;33.16.03;"
        f"{today - timedelta(days=20):%d-%m-%Y};{left:%d-%m-%Y};Dilimpahkan ke Rutan\n",
        f"T/013/10/2024/Reskrim;BAYU PRATAMA;3316080302980002;03-02-1998;L;33.16.08;"
        f"{today - timedelta(days=10):%d-%m-%Y};;\n",
    ])
    rutan = HEADER + "".join([
        f"AII.0001/2024;AGUS SETIAWAN;3316031505900001;15-05-1990;L;33.16.03;"
        f"{arrived:%d-%m-%Y};;\n",
        "BI.0002/2023;SLAMET RIYADI;3316011010800003;10-10-1980;L;33.16.01;01-02-2023;;\n",
    ])
    dptb = ("NO;NIK;NAMA;TANGGAL LAHIR;JENIS KELAMIN;ALAMAT;TPS\n"
            "1;3316031505900001;AGUS SETIAWAN;15-05-1990;L;DUSUN 1;005\n"
            "2;3316080302980002;BAYU PRATAMA;03-02-1998;L;DUSUN 2;005\n")
    return polres.encode(), rutan.encode(), dptb.encode()


def test_the_kpu_liaison_sees_the_regency_and_a_move_as_one_case(app, browser):
    polres, rutan, dptb = rosters(local_today())
    polres_file = app.file("tahanan_polres.csv", polres)
    rutan_file = app.file("sdp_rutan.csv", rutan)
    dptb_file = app.file("dptb_005.csv", dptb)
    secret = app.file("sandi.txt", PASSWORD.encode())
    app.seed(
        "call_command('add_facility', 'POLRES-BLORA', name='Polres Blora', region='33.16', "
        "kind='polres')\n"
        f"call_command('add_tps', {ELECTION!r}, 'POLRES-BLORA', '005', ksk=True)\n"
        f"call_command('add_user', 'sari', role='kpu', region='33.16', "
        f"password_file={str(secret)!r}, name='Sari Wulandari')\n"
        f"call_command('import_inmates', {str(polres_file)!r}, facility='POLRES-BLORA')\n"
        f"call_command('import_inmates', {str(rutan_file)!r}, facility={FACILITY!r})\n"
        f"call_command('import_voter_list', {str(dptb_file)!r}, election={ELECTION!r}, "
        "tps='005', kind='DPTB')\n"
        f"call_command('reconcile', election={ELECTION!r}, facility='POLRES-BLORA')\n"
        f"call_command('reconcile', election={ELECTION!r}, facility={FACILITY!r})\n"
    )
    app.start()
    sari = Person(browser, app)
    page = sari.page

    sari.log_in("sari")
    sari.menu("Kabupaten")
    expect(page.locator("h1")).to_contain_text("Semua UPT dalam satu pemilihan")
    facilities = page.locator("table.regency tbody tr")
    expect(facilities).to_have_count(2)
    expect(facilities.filter(has_text="Polres Blora")).to_contain_text("TPS 005")
    expect(facilities.filter(has_text="Polres Blora")).to_contain_text("KSK")
    expect(facilities.filter(has_text="Rutan Kelas IIB Blora")).to_contain_text("TPS 901")
    moves = page.locator("section", has=page.get_by_role("heading", name="Pindahan antar-UPT"))
    expect(moves.locator("tbody tr")).to_have_count(1)
    expect(moves).to_contain_text("AGUS SETIAWAN")
    expect(moves.locator("tbody tr")).to_contain_text("TPS 005")
    expect(moves.locator("tbody tr")).to_contain_text("TPS 901")
    sari.shot("kabupaten")

    path, filename = sari.download(
        lambda: page.get_by_role("link", name="CSV").first.click(), "ekspor-wilayah")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert filename.endswith(".csv") and {r["upt"] for r in rows} == {"POLRES-BLORA",
                                                                       "RUTAN-BLORA"}

    # The pages about one facility follow the top bar's picker.
    page.get_by_label("UPT yang ditampilkan").select_option(label="Polres Blora")
    expect(page.locator(".facility-picker select")).to_have_value("POLRES-BLORA")
    sari.menu("Rekonsiliasi")
    # Agus left the Polres cells: KELUAR there (the KPU is told), a newcomer at the Rutan.
    expect(page.locator("tbody tr", has_text="KELUAR").locator("td.num")).to_have_text("1")
    sari.shot("rekonsiliasi-polres")
    sari.assert_no_problems()
    sari.close()
