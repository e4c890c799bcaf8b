"""A person at a browser: keyboard-first helpers, screenshots, and a watch on the console for
script errors and Content-Security-Policy violations."""

import re
import time
from pathlib import Path

from e2e_config import PASSWORD
from playwright.sync_api import expect

DESKTOP = {"viewport": {"width": 1280, "height": 860}}
# A common Android phone at the KPPS desk: 393 px wide, touch, zoomed like a real device.
PHONE = {
    "viewport": {"width": 393, "height": 851},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
}
JOB_TIMEOUT_MS = 90_000
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SOURCE = []  # read once per run
NIK16 = re.compile(r"(?<!\d)\d{16}(?!\d)")


class Person:
    def __init__(self, browser, app, device=DESKTOP):
        self.app = app
        self.context = browser.new_context(
            locale="id-ID", timezone_id="Asia/Jakarta", accept_downloads=True, **device
        )
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.problems = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        self.folder = app.logs
        self.shots = 0

    def _console(self, message):
        text = message.text
        refused = "status of 403" in text or "status of 404" in text  # the observer's probes
        if (message.type == "error" and not refused) or "Content Security Policy" in text:
            self.problems.append(text)

    # -- moving around ---------------------------------------------------------------------

    def go(self, path):
        response = self.page.goto(self.app.url + path)
        return response

    def menu(self, name):
        """Follow an entry of the main navigation."""
        self.page.get_by_role("navigation", name="Navigasi utama").get_by_role(
            "link", name=name, exact=True
        ).click()

    def shot(self, name, *, full_page=True):
        self.shots += 1
        path = self.folder / f"{self.shots:02d}-{name}.png"
        self.page.screenshot(path=path, full_page=full_page)
        return path

    def focused(self):
        return self.page.evaluate(
            "() => { const e = document.activeElement; return e ? "
            "[e.tagName.toLowerCase(), e.id || '', e.name || '', (e.innerText || e.value || '')"
            ".trim().slice(0, 80)] : null }"
        )

    def tab_to(self, matches, *, limit=80, backwards=False):
        """Press Tab until the focused element satisfies `matches(tag, id, name, text)`;
        checks that the focus can be seen."""
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            tag, id_, name, text = self.focused()
            if matches(tag, id_, name, text):
                self.assert_focus_visible()
                return
        raise AssertionError("the keyboard never reached the element")

    def tab_to_text(self, text, **kwargs):
        self.tab_to(
            lambda tag, _i, _n, shown: tag in ("a", "button", "summary") and shown.startswith(text),
            **kwargs,
        )

    def assert_focus_visible(self):
        outline = self.page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement); "
            "return [s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow] }"
        )
        style, width, shadow = outline
        assert (style != "none" and width >= 2) or shadow != "none", outline

    def log_in(self, username):
        """With the keyboard only: the name field has the focus, Tab, Enter. Then the first Tab
        on the home page reaches the skip link, which moves the focus to the content."""
        self.go("/masuk/")
        assert self.focused()[1] == "id_username"
        self.assert_focus_visible()
        self.page.keyboard.type(username)
        self.page.keyboard.press("Tab")
        assert self.focused()[1] == "id_password"
        self.page.keyboard.type(PASSWORD)
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(self.app.url + "/")
        expect(self.page.locator("h1")).to_contain_text("Selamat datang")
        self.page.keyboard.press("Tab")
        tag, _id, _name, text = self.focused()
        assert (tag, text) == ("a", "Lewati ke isi"), "the first Tab reaches the skip link"
        self.assert_focus_visible()
        self.page.keyboard.press("Enter")
        assert self.focused()[1] == "isi"

    def wait_for_job_to_finish(self, done):
        """A job page shows a live progress bar until the job is done, then `done` appears."""
        expect(done).to_be_visible(timeout=JOB_TIMEOUT_MS)

    def wait_for_no_running_reconciliation(self, timeout=90):
        """Imports queue a reconciliation of their own; let it finish before starting one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.go("/rekonsiliasi/")
            if self.page.get_by_role("heading", name="Sedang berjalan").count() == 0:
                return
            time.sleep(1)
        raise AssertionError("a reconciliation kept running")

    def download(self, click, name):
        with self.page.expect_download() as info:
            click()
        download = info.value
        path = self.folder / f"{self.shots + 1:02d}-{name}-{download.suggested_filename}"
        download.save_as(path)
        return path, download.suggested_filename

    def assert_accessible(self, name):
        """axe-core (vendored, WCAG 2.1 A and AA rules) finds no violation on this page."""
        if not AXE_SOURCE:
            AXE_SOURCE.append(AXE.read_text(encoding="utf-8"))
        # Evaluated through the DevTools protocol: the page's CSP (no inline scripts) holds.
        self.page.evaluate(f"() => {{ {AXE_SOURCE[0]}\n; window.axe = axe; }}")
        found = self.page.evaluate(
            """async () => {
                const result = await window.axe.run(document, {runOnly: {type: 'tag',
                    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
                return result.violations.map(v => v.id + ': ' + v.nodes.slice(0, 3)
                    .map(n => n.target.join(' ')).join(', '));
            }"""
        )
        assert found == [], f"{name}: {found}"

    def assert_no_problems(self):
        assert self.problems == [], self.problems

    def close(self):
        self.context.close()


def figure(scope, label):
    """The number shown for `label` in a <dl> of figures."""
    term = scope.locator("dt").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    return term.locator("xpath=following-sibling::dd[1]")
