"""What a new user stopped at on the operator's pages (issue 18 items 4, 6, 8), in a browser:
the inmate page's cards hold their data at every common screen width, the event form's date
field shows its default and submits, and the NIK work list selects everyone in one click."""

import e2e_files
import pytest
from e2e_browser import Person
from e2e_config import FACILITY, local_today
from e2e_fixtures import app, browser, chromium_path, e2e_databases, polling_day  # noqa: F401
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# Every label/value and badge of the inmate page's cards: does it stay inside its card, and is
# none of its text cut off (a box narrower than its content, with the rest hidden or spilling)?
OVERFLOW_PROBE = """() => {
  const problems = [];
  for (const card of document.querySelectorAll('main .grid > .card')) {
    const box = card.getBoundingClientRect();
    for (const el of card.querySelectorAll('dt, dd, .badge, h2, p')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0) continue;
      const name = (el.textContent || '').trim().slice(0, 40);
      if (r.left < box.left - 1 || r.right > box.right + 1) problems.push('outside: ' + name);
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== 'inline')
        problems.push('cut: ' + name);
    }
  }
  return problems;
}"""


# A recorded meeting with its figures, attendees, a decision and an action item.
MEETING = f"""
import datetime as dt
from coordination import services
from coordination.models import ActionItem, Attendee, Meeting
from voters.models import Election, Facility, User
facility = Facility.objects.get(code={FACILITY!r})
rina = User.objects.get(username="rina")
meeting = services.create_meeting(meeting=Meeting(
    facility=facility, election=Election.objects.get(), title="Rapat Koordinasi DPTb",
    date=dt.date.today(), stage=Meeting.Stage.VOTING), user=rina)
services.ensure_institutions(facility)
Attendee.objects.create(meeting=meeting, name="Ketua KPPS 901")
services.add_decision(meeting=meeting, text="Usulkan WBP baru ke DPTb", user=rina)
services.create_action_item(item=ActionItem(meeting=meeting, title="Serahkan data WBP baru",
    owner_institution=services.institutions_of(facility).first(),
    due_date=dt.date.today()), user=rina)
"""


def test_the_operators_pages_fit_and_their_forms_work(app, browser, polling_day):
    people = e2e_files.people(local_today(), polling_day)
    roster = app.file("sdp.xlsx", e2e_files.roster_xlsx(people))
    app.seed(f"call_command('import_inmates', {str(roster)!r}, facility={FACILITY!r})")
    app.seed(MEETING)
    app.start()
    rina = Person(browser, app)
    page = rina.page
    rina.log_in("rina")

    # Item 4: the inmate page at the widths of the office PCs and laptops.
    rina.menu("WBP")
    page.locator("table.list tbody tr td a").first.click()
    expect(page.locator("h2", has_text="Data diri")).to_be_visible()
    for width in (1024, 1280, 1440, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate(OVERFLOW_PROBE) == [], width
        rina.shot(f"wbp-{width}px")
    rina.assert_accessible("halaman WBP")

    # Item 6: the date field shows today's date and the form submits with it.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_text("Catat peristiwa").click()
    date = page.locator('form input[name="date"]')
    expect(date).to_have_value(local_today().isoformat())
    assert page.evaluate("() => document.querySelector('input[name=date]').validity.valid")
    page.locator('select[name="kind"]').select_option("vote_revoked")
    page.locator('input[name="reference"]').fill("12/Pid.B/2024/PN Bla")
    page.get_by_role("button", name="Catat", exact=True).click()
    expect(page.locator("ol.timeline")).to_contain_text("Hak pilih dicabut")

    # Item 8: one click selects everyone on the work list, and the count follows.
    rina.menu("NIK & Dukcapil")
    boxes = page.locator('table.list tbody input[name="inmates"]')
    total = boxes.count()
    assert total >= 2
    select_all = page.get_by_label("Pilih semua")
    expect(select_all).to_be_visible()
    select_all.check()
    for i in range(total):
        expect(boxes.nth(i)).to_be_checked()
    expect(page.locator("#jumlah-dipilih")).to_have_text(str(total))
    boxes.first.uncheck()
    expect(select_all).not_to_be_checked()
    assert page.evaluate("() => document.querySelector('[data-select-all]').indeterminate")
    expect(page.locator("#jumlah-dipilih")).to_have_text(str(total - 1))
    rina.shot("daftar-nik-pilih-semua")
    rina.assert_accessible("daftar kerja NIK")
    for name in ("Beranda", "WBP", "Impor SDP", "Daftar Pemilih", "Rekonsiliasi"):
        rina.menu(name)
        rina.assert_accessible(name)

    # The meeting page on a phone: its wide tables scroll by keyboard as well.
    page.set_viewport_size({"width": 390, "height": 844})
    rina.menu("Rapat koordinasi")
    page.get_by_role("link", name="Rapat Koordinasi DPTb").click()
    expect(page.locator("h1")).to_contain_text("Rapat Koordinasi DPTb")
    rina.shot("rapat-ponsel")
    rina.assert_accessible("rapat (ponsel)")
    rina.assert_no_problems()
    rina.close()
