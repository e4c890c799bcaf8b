"""Journey 2: the KPPS officer of TPS 901, on a phone, prints the notification letters of the
TPS and records who received theirs: in person, through family, or not at all."""

import e2e_files
import pytest
from e2e_browser import PHONE, Person, figure
from e2e_config import ELECTION, FACILITY, local_today
from e2e_fixtures import app, browser, chromium_path, e2e_databases, polling_day  # noqa: F401
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_kpps_prints_the_letters_of_tps_901_and_marks_deliveries_on_a_phone(
    app, browser, polling_day
):
    people = e2e_files.people(local_today(), polling_day)
    roster = app.file("sdp.xlsx", e2e_files.roster_xlsx(people))
    dpt = app.file("dpt_901.csv", e2e_files.dpt_csv(people))
    app.seed(
        f"call_command('import_inmates', {str(roster)!r}, facility={FACILITY!r})\n"
        f"call_command('import_voter_list', {str(dpt)!r}, election={ELECTION!r}, "
        "tps='901', kind='DPT')"
    )
    app.start()
    annisa = Person(browser, app, device=PHONE)
    page = annisa.page
    # Letters go to the inmates on the DPT who are still inside on polling day.
    recipients = sum(1 for p in people if p.on_dpt and not p.bebas)

    annisa.log_in("annisa")
    expect(page.locator("#judul-surat-901")).to_have_text("Surat pemberitahuan TPS 901")
    annisa.shot("beranda-kpps", full_page=False)

    # Print every letter of the TPS; the PDF is built as a job with a progress bar.
    annisa.menu("TPS & KPPS")
    page.get_by_role("link", name="Buka TPS").click()
    expect(page.locator("h1")).to_contain_text("TPS 901")
    expect(page.get_by_label("Blok hunian")).to_have_value("")
    annisa.shot("tps-901")
    annisa.assert_accessible("TPS 901 (ponsel)")
    tps_path = page.url.removeprefix(app.url)
    page.get_by_role("button", name="Buat PDF surat").click()
    expect(page.locator("h1")).to_contain_text("Surat pemberitahuan TPS 901")
    if app.broker:
        annisa.shot("surat-disusun", full_page=False)
    annisa.wait_for_job_to_finish(page.get_by_role("link", name="Unduh PDF"))
    expect(page.locator("main")).to_contain_text(f"{recipients} surat, satu halaman per pemilih")
    annisa.shot("surat-siap", full_page=False)
    pdf, filename = annisa.download(
        lambda: page.get_by_role("link", name="Unduh PDF").click(), "surat"
    )
    assert filename.endswith(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")

    # The delivery register: one tap per letter handed over.
    page.get_by_role("link", name="‹ TPS 901").click()
    page.get_by_role("link", name="Catat tanda terima").click()
    expect(page.locator("h1")).to_contain_text("Tanda terima surat")
    cards = page.locator("li.letter-card")
    expect(cards).to_have_count(recipients)
    annisa.shot("tanda-terima-awal", full_page=False)

    first = cards.nth(0).locator(".who strong").inner_text()
    cards.nth(0).get_by_role("button", name="Diterima pemilih", exact=True).tap()
    expect(page.locator(".messages")).to_contain_text(f"{first}: Diterima pemilih.")

    second = cards.nth(0)
    second_name = second.locator(".who strong").inner_text()
    second.locator("summary").tap()
    second.get_by_label("Nama keluarga/wakil yang menerima").fill("Ibu Sumarni (istri)")
    second.get_by_role("button", name="Diterima keluarga/wakil").tap()
    expect(page.locator(".messages")).to_contain_text(f"{second_name}: Diterima keluarga")

    third = cards.nth(0)
    third_name = third.locator(".who strong").inner_text()
    third.locator("summary").tap()
    third.get_by_label("Alasan tidak dapat disampaikan").select_option("tidak_di_tempat")
    third.get_by_label("Catatan").fill("Sidang di PN Blora")
    annisa.shot("tanda-terima-tidak-sampai", full_page=False)
    third.get_by_role("button", name="Tidak dapat disampaikan").tap()
    expect(page.locator(".messages")).to_contain_text(f"{third_name}: Tidak dapat disampaikan")

    counts = page.locator("dl.delivery-counts")
    expect(figure(counts, "Diterima")).to_have_text("2")
    expect(figure(counts, "Tidak sampai")).to_have_text("1")
    expect(figure(counts, "Belum")).to_have_text(str(recipients - 3))
    expect(cards).to_have_count(recipients - 3)
    annisa.shot("tanda-terima-dicatat", full_page=False)

    page.get_by_label("Status").select_option("sudah")
    page.get_by_role("button", name="Tampilkan").click()
    expect(cards).to_have_count(2)
    annisa.shot("sudah-diterima")

    recap = annisa.context.request.get(
        app.url + page.get_by_role("link", name="Rekap (PDF)").get_attribute("href")
    )
    assert recap.ok and recap.body().startswith(b"%PDF")

    annisa.menu("Beranda")
    letters = page.locator("section", has=page.locator("#judul-surat-901"))
    expect(letters.locator("text.donut-num")).to_have_text(f"{round(200 / recipients)}%")
    annisa.shot("beranda-setelah-tanda-terima")
    annisa.assert_accessible("beranda KPPS (ponsel)")

    # Polling day's page on the phone: its recap table fits, or scrolls by keyboard too.
    annisa.go(tps_path + "pemungutan/")
    expect(page.locator("h1")).to_contain_text("TPS 901")
    annisa.shot("pemungutan-ponsel")
    annisa.assert_accessible("pemungutan (ponsel)")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 393 + 1
    recap = page.locator(".polling-counts").locator("xpath=..")
    assert recap.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "the recap scrolls"
    annisa.assert_no_problems()
    annisa.close()
