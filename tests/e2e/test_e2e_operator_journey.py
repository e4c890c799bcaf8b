"""Journey 1: the rutan's operator uploads the SDP roster, checks the preview, confirms it, works
the NIK list, runs a reconciliation while watching its progress bar, and settles the one match
that needs a person (PERLU_PERIKSA). The key steps are done with the keyboard alone."""

import time

import e2e_files
import pytest
from e2e_browser import Person, figure
from e2e_config import ELECTION, local_today
from e2e_fixtures import app, browser, chromium_path, e2e_databases, polling_day  # noqa: F401
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_operator_imports_the_roster_works_the_nik_list_and_reconciles(app, browser, polling_day):
    people = e2e_files.people(local_today(), polling_day)
    roster = app.file("sdp_rutan_blora.xlsx", e2e_files.roster_xlsx(people))
    dpt = app.file("dpt_tps901.csv", e2e_files.dpt_csv(people))
    app.seed(
        f"call_command('import_voter_list', {str(dpt)!r}, election={ELECTION!r}, "
        f"tps='901', kind='DPT')"
    )
    app.start()
    rina = Person(browser, app)
    page = rina.page

    rina.log_in("rina")
    rina.shot("beranda-sebelum-impor")

    # Upload the roster and read the preview: nothing is saved yet.
    rina.menu("Impor SDP")
    expect(page.locator("h1")).to_have_text("Impor data WBP dari SDP")
    page.get_by_label("Berkas (.csv atau .xlsx)").set_input_files(roster)
    rina.tab_to_text("Periksa berkas")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("sdp_rutan_blora.xlsx")
    # The file is read by a job (never in the request); the page shows the preview when done.
    figures = page.locator("dl.inline-figures")
    rina.wait_for_job_to_finish(figure(figures, "Baris"))
    expect(figure(figures, "Baris")).to_have_text("30")
    expect(figure(figures, "Baru")).to_have_text("30")
    expect(figure(figures, "NIK tidak sah")).to_have_text("4")
    expect(page.locator("table.list tbody tr")).to_have_count(30)
    rina.shot("pratinjau-impor")

    # Confirm with the keyboard; the import runs as a job with a progress bar.
    rina.tab_to_text("Simpan perubahan ini")
    page.keyboard.press("Enter")
    rina.wait_for_job_to_finish(page.get_by_text("Impor selesai."))
    expect(page.locator(".job progress")).to_have_attribute("value", "100")
    rina.shot("impor-selesai")

    # The roster prints as a plain table: no menus, no filters, headers on every page.
    rina.menu("WBP")
    page.emulate_media(media="print")
    expect(page.locator("nav.mainnav")).to_be_hidden()
    expect(page.locator("form.filters")).to_be_hidden()
    expect(page.locator(".print-meta")).to_contain_text("Rutan Kelas IIB Blora")
    expect(page.locator("table.list thead")).to_be_visible()
    rina.shot("cetak-daftar-wbp")
    page.emulate_media(media="screen")

    # The NIK work list: the four without a valid NIK go to Dukcapil.
    rina.menu("NIK & Dukcapil")
    expect(page.locator("h2").first).to_have_text("NIK perlu perekaman atau perbaikan")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(4)
    names = [rows.nth(i).locator("td a").inner_text() for i in range(2)]
    for name in names:
        rina.tab_to(
            lambda tag, _id, _name, _text, n=name: (
                tag == "input"
                and page.evaluate("() => document.activeElement.getAttribute('aria-label')")
                == f"Pilih {n}"
            )
        )
        page.keyboard.press("Space")
    page.get_by_label("Nomor surat permintaan (boleh kosong)").fill("W.11.PAS.PAS.16-UM.01.01")
    rina.shot("daftar-nik")
    rina.tab_to_text("Buat permintaan verifikasi Dukcapil")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Permintaan verifikasi Dukcapil")
    for name in names:
        expect(page.locator("table.list")).to_contain_text(name)
    request_file, _name = rina.download(
        lambda: page.get_by_role("link", name="Unduh berkas permintaan (XLSX)").click(),
        "permintaan-dukcapil",
    )
    assert request_file.read_bytes()[:2] == b"PK"
    rina.shot("permintaan-dukcapil")

    # Reconcile. With a real worker, the worker is held back for a moment so that the live
    # progress bar is seen waiting, then moving on to the result.
    rina.wait_for_no_running_reconciliation()
    held = app.pause_worker()
    rina.tab_to_text("Jalankan rekonsiliasi sekarang")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Rekonsiliasi #")
    if held:
        progress = page.locator(".job progress")
        expect(progress).to_be_visible()
        expect(page.locator(".job-status")).to_have_text("Menunggu")
        rina.shot("rekonsiliasi-berjalan")
        app.resume_worker()
    rina.wait_for_job_to_finish(page.get_by_role("navigation", name="Kategori"))
    tabs = page.get_by_role("navigation", name="Kategori")
    expect(tabs).to_contain_text("PERLU_PERIKSA 1")
    expect(tabs).to_contain_text("TERDAFTAR")
    expect(tabs).to_contain_text("PEREKAMAN 4")
    rina.shot("hasil-rekonsiliasi")

    # The one probable match (NIK masked on the DPT) is settled by a person.
    rina.menu("Pemeriksaan")
    item = page.locator("section.review-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("PERLU_PERIKSA")
    masked = next(p for p in people if p.dpt_nik)
    expect(item).to_contain_text(masked.nama)
    item.get_by_label("Catatan").fill("Nama dan tanggal lahir sama; NIK di DPT tersamar.")
    rina.shot("antrean-pemeriksaan")
    rina.tab_to_text("Orang yang sama")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Keputusan dicatat")
    deadline = time.monotonic() + 90
    while page.locator("section.review-item").count() and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
    expect(page.locator("section.review-item")).to_have_count(0)
    expect(page.get_by_text("Tidak ada yang perlu diperiksa")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Orang yang sama")
    rina.shot("keputusan-dicatat")

    # The dashboard now tells the Karutan where things stand.
    rina.menu("Beranda")
    expect(page.locator(".kpi")).to_contain_text("30")
    expect(page.locator("#judul-rekonsiliasi")).to_be_visible()
    rina.shot("beranda-setelah-rekonsiliasi")
    rina.assert_no_problems()
    rina.close()
