"""An observer (Bawaslu) reads the dashboards and the lists with NIKs masked, and cannot reach
what is not theirs: imports, the NIK work lists, the review queue, exports, the admin pages."""

import re

import e2e_files
import pytest
from e2e_browser import NIK16, Person
from e2e_config import ELECTION, FACILITY, local_today
from e2e_fixtures import app, browser, chromium_path, e2e_databases, polling_day  # noqa: F401
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

STAFF_MENUS = ["Impor SDP", "NIK & Dukcapil", "Pemeriksaan"]


def test_an_observer_reads_masked_aggregates_and_is_refused_everything_else(
    app, browser, polling_day
):
    people = e2e_files.people(local_today(), polling_day)
    roster = app.file("sdp.xlsx", e2e_files.roster_xlsx(people))
    dpt = app.file("dpt.csv", e2e_files.dpt_csv(people))
    app.seed(
        f"call_command('import_inmates', {str(roster)!r}, facility={FACILITY!r})\n"
        f"call_command('import_voter_list', {str(dpt)!r}, election={ELECTION!r}, "
        "tps='901', kind='DPT')\n"
        f"call_command('reconcile', election={ELECTION!r}, facility={FACILITY!r})"
    )
    app.start()
    slamet = Person(browser, app)
    page = slamet.page

    slamet.log_in("slamet")
    menu = page.get_by_role("navigation", name="Navigasi utama")
    for name in STAFF_MENUS:
        expect(menu.get_by_role("link", name=name, exact=True)).to_have_count(0)
    expect(page.locator("#judul-rekonsiliasi")).to_be_visible()
    assert not NIK16.search(page.locator("main").inner_text())
    slamet.shot("beranda-pengamat")

    slamet.menu("WBP")
    expect(page.locator("table.list")).to_contain_text("**********")
    assert not NIK16.search(page.locator("main").inner_text())
    slamet.shot("daftar-wbp-tersamar")

    slamet.menu("Rekonsiliasi")
    page.get_by_role("link", name=re.compile("Lihat semua nama")).click()
    run_path = page.url.removeprefix(app.url).split("?")[0]
    expect(page.get_by_text("Ekspor untuk KPU")).to_have_count(0)
    assert not NIK16.search(page.locator("main").inner_text())

    refused = [
        "/wbp/impor/",
        "/nik/",
        "/rekonsiliasi/periksa/",
        "/daftar/unggah/",
        "/dpt-rujukan/unggah/",
        f"{run_path}ekspor/rekonsiliasi.csv",
        f"{run_path}ekspor/a-daftar-pemilih-loksus.xlsx",
    ]
    for path in refused:
        response = slamet.go(path)
        assert response.status == 403, (path, response.status)
        expect(page.locator("h1")).to_have_text("Akses ditolak")
    slamet.shot("akses-ditolak")
    # The admin is not a second door: the app's own refusal, not the admin's login form.
    response = slamet.go("/admin/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Akses ditolak")
    slamet.assert_no_problems()
    slamet.close()
