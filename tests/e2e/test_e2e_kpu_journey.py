"""Journey 3: the KPU liaison uploads the DPT of TPS 901, reads the import result, reconciles it
with the rutan's roster and exports the lists KPU needs."""

import csv
import io

import e2e_files
import pytest
from e2e_browser import Person, figure
from e2e_config import FACILITY, local_today
from e2e_fixtures import app, browser, chromium_path, e2e_databases, polling_day  # noqa: F401
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

EXPORT_COLUMNS = [
    "kategori",
    "no_registrasi",
    "nik",
    "nama",
    "tanggal_lahir",
    "jenis_kelamin",
    "daftar",
    "tps",
    "surat_suara",
    "alasan",
    "tindakan",
]


def test_kpu_uploads_a_dpt_reads_the_result_and_exports_the_reconciled_lists(
    app, browser, polling_day
):
    people = e2e_files.people(local_today(), polling_day)
    roster = app.file("sdp.xlsx", e2e_files.roster_xlsx(people))
    dpt = app.file("DPT TPS 901 Rutan Blora.csv", e2e_files.dpt_csv(people))
    app.seed(f"call_command('import_inmates', {str(roster)!r}, facility={FACILITY!r})")
    app.start()
    dwi = Person(browser, app)
    page = dwi.page
    on_dpt = sum(1 for p in people if p.on_dpt) + 1  # and one person the rutan does not know

    dwi.log_in("dwi")
    expect(page.locator("#judul-daftar")).to_be_visible()
    expect(page.locator("section", has=page.locator("#judul-daftar"))).to_contain_text(
        "Belum ada daftar pemilih TPS"
    )
    dwi.shot("beranda-sebelum-dpt")

    # Upload the DPT: the semicolons, the BOM and the title line are KPU's, not ours.
    dwi.menu("Daftar Pemilih")
    page.get_by_role("link", name="Unggah DPT/DPTb/DPK TPS").click()
    page.get_by_label("TPS").select_option(
        label=page.get_by_label("TPS").locator("option", has_text="TPS 901").inner_text()
    )
    page.get_by_label("Jenis daftar").select_option("DPT")
    page.get_by_label("Berkas (.csv atau .xlsx)").set_input_files(dpt)
    dwi.shot("unggah-dpt")
    dwi.tab_to_text("Unggah dan impor")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Hasil impor")
    dwi.wait_for_job_to_finish(page.get_by_text("Berhasil."))
    expect(figure(page.locator("main"), "Dibaca")).to_have_text(str(on_dpt))
    expect(figure(page.locator("main"), "Disimpan")).to_have_text(str(on_dpt))
    expect(figure(page.locator("main"), "Tersamar")).to_have_text("1")
    dwi.shot("hasil-impor-dpt")

    page.get_by_role("link", name="Lihat daftar").click()
    expect(page.locator("h1")).to_contain_text("TPS 901")
    expect(page.locator("table.list tbody tr")).to_have_count(on_dpt)
    dwi.shot("dpt-tps-901")

    # Reconcile against the roster, then take the exports to the KPU office.
    dwi.wait_for_no_running_reconciliation()
    held = app.pause_worker()
    dwi.tab_to_text("Jalankan rekonsiliasi sekarang")
    page.keyboard.press("Enter")
    if held:
        expect(page.locator(".job progress")).to_be_visible()
        dwi.shot("rekonsiliasi-menunggu")
        app.resume_worker()
    dwi.wait_for_job_to_finish(page.get_by_role("navigation", name="Kategori"))
    expect(page.get_by_role("navigation", name="Kategori")).to_contain_text("TIDAK_DIKENAL 1")
    page.get_by_text("Ekspor untuk KPU").click()
    dwi.shot("rekonsiliasi-dan-ekspor")

    path, filename = dwi.download(
        lambda: page.get_by_role("link", name="CSV Rekonsiliasi").click(), "ekspor"
    )
    assert filename.endswith(".csv") and "PILKADA2024" in filename
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == EXPORT_COLUMNS
    categories = {row[0] for row in rows[1:]}
    assert {"TERDAFTAR", "TIDAK_DIKENAL", "PEREKAMAN"} <= categories
    path, filename = dwi.download(
        lambda: page.get_by_role("link", name="XLSX Model A-Daftar Pemilih Loksus").click(),
        "ekspor",
    )
    assert filename.endswith(".xlsx") and path.read_bytes()[:2] == b"PK"

    dwi.menu("Beranda")
    exports = page.locator("section", has=page.locator("#judul-ekspor"))
    expect(exports.get_by_role("link", name="CSV Usul Pindah Memilih")).to_be_visible()
    expect(page.locator("section", has=page.locator("#judul-daftar"))).to_contain_text("DPT")
    dwi.shot("beranda-kpu")
    dwi.assert_no_problems()
    dwi.close()
