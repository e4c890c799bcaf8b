"""Journey: the KPPS officer of a KSK TPS (registered with --ksk, issue 16) records the mobile
ballot box's visit on a phone: the window of the visit, one voter who voted in the box and one
who did not, and sees the box's vote in the counts of the polling-day register."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import e2e_files
import pytest
from e2e_browser import PHONE, Person, figure
from e2e_config import ELECTION, FACILITY, local_today
from e2e_fixtures import app, browser, chromium_path, e2e_databases, polling_day  # noqa: F401
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def visit_window():
    """A visit around now, polling day being today: the server records a KSK vote only on
    polling day and inside the visit's window."""
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    if now.hour == 0 and now.minute < 10 or now.hour == 23 and now.minute > 40:
        pytest.skip("too close to midnight for a visit window of polling day")
    return (now - timedelta(minutes=5)).strftime("%H:%M"), (now + timedelta(minutes=15)
                                                              ).strftime("%H:%M")


def test_kpps_records_the_ksk_visit_and_its_vote_counts_at_close(app, browser, polling_day):
    start, end = visit_window()
    people = e2e_files.people(local_today(), polling_day)
    roster = app.file("sdp.xlsx", e2e_files.roster_xlsx(people))
    dpt = app.file("dpt_901.csv", e2e_files.dpt_csv(people))
    app.seed(
        f"call_command('import_inmates', {str(roster)!r}, facility={FACILITY!r})\n"
        f"call_command('import_voter_list', {str(dpt)!r}, election={ELECTION!r}, "
        "tps='901', kind='DPT')\n"
        "import datetime as dt\n"
        "from voters.models import TPS, Election\n"
        f"TPS.objects.filter(election__code={ELECTION!r}, number='901').update(ksk=True)\n"
        # Polling day is today and lasts all day, so that the visit happens now.
        f"Election.objects.filter(code={ELECTION!r}).update(\n"
        f"    polling_date=dt.date.fromisoformat({local_today().isoformat()!r}),\n"
        "    voting_start=dt.time(0, 0), voting_end=dt.time(23, 59), dptb_start=None)\n"
    )
    app.start()
    annisa = Person(browser, app, device=PHONE)
    page = annisa.page

    annisa.log_in("annisa")
    annisa.menu("TPS & KPPS")
    page.get_by_role("link", name="Kunjungan KSK").first.click()
    expect(page.locator("h1")).to_contain_text("Kunjungan kotak suara keliling (KSK)")
    rows = page.locator("table.ksk-voters tbody tr")
    expect(rows.first).to_be_visible()
    counts = page.locator("dl.ksk-counts")
    total = int(figure(counts, "Pemilih UPT yang dikunjungi").inner_text())
    assert total >= 2
    annisa.shot("ksk-awal")

    # The window: the last hour by default; here around now, with who went.
    page.get_by_label("Mulai kunjungan").fill(start)
    page.get_by_label("Selesai kunjungan").fill(end)
    page.get_by_label("Yang berkunjung").fill("2 anggota KPPS, saksi, PTPS")
    page.get_by_role("button", name="Simpan waktu kunjungan").click()
    expect(page.locator(".messages")).to_contain_text("Waktu kunjungan KSK disimpan")
    expect(page.locator("main")).to_contain_text("2 anggota KPPS, saksi, PTPS")

    # One voter votes in the box.
    first = rows.nth(0)
    first_name = first.locator("strong").first.inner_text()
    first.locator("summary").tap()
    first.get_by_label("Memilih", exact=True).check()
    annisa.shot("ksk-catat-memilih", full_page=False)
    first.get_by_role("button", name="Simpan").tap()
    expect(page.locator(".messages")).to_contain_text(f"{first_name}: memilih.")
    expect(rows.nth(0)).to_contain_text("Memilih lewat KSK pukul")

    # Another is ill and does not vote.
    second = rows.nth(1)
    second_name = second.locator("strong").first.inner_text()
    second.locator("summary").tap()
    second.get_by_label("Tidak memilih", exact=True).check()
    second.get_by_label("Alasan tidak memilih").select_option("sakit")
    second.get_by_label("Catatan", exact=True).fill("Dirawat di klinik")
    second.get_by_role("button", name="Simpan").tap()
    expect(page.locator(".messages")).to_contain_text(f"{second_name}: tidak memilih.")

    expect(figure(counts, "Memilih lewat KSK")).to_have_text("1")
    expect(figure(counts, "Tidak memilih")).to_have_text("1")
    expect(figure(counts, "Belum dicatat")).to_have_text(str(total - 2))
    annisa.shot("ksk-dicatat")
    annisa.assert_accessible("kunjungan KSK (ponsel)")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 393 + 1

    # The box's vote is a vote of the TPS: the register's counts hold it, once.
    page.get_by_role("link", name="Buka daftar hadir").click()
    expect(page.locator("h1")).to_contain_text("Daftar hadir pemilih")
    expect(page.locator("main")).to_contain_text(
        "Di antaranya memilih lewat kotak suara keliling (KSK): 1.")
    total_row = page.locator(".polling-counts tr.total")
    expect(total_row.locator("td").nth(5)).to_have_text("1")  # Menggunakan hak pilih: Jml
    annisa.shot("ksk-daftar-hadir")
    annisa.assert_no_problems()
    annisa.close()
