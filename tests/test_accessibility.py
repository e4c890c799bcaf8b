"""Accessibility that can be checked without a browser: the palette's contrast computed from
the CSS variables, a label for every form field and an accessible name for every chart on every
page of the permission matrix, one h1 per page, focus styles, and print styles for lists.
Keyboard use in a real browser is checked by the journeys in tests/e2e/."""

import importlib
import pkgutil
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import security_world
from matrix import PAGES

ROOT = Path(__file__).resolve().parent.parent
CSS = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")

for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
    if info.name.startswith("pages_"):
        importlib.import_module(info.name)


# -- contrast (WCAG 2.1: 4.5:1 for text, 3:1 for the parts of a chart) ------------------------


def css_variables():
    found = {}
    for block in re.findall(r":root\s*\{([^}]*)\}", CSS):
        for name, value in re.findall(r"--([\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})\b", block):
            found[name] = value
    return found


def luminance(hex_colour):
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


TEXT_PAIRS = [
    ("ink", "bg"),
    ("ink", "card"),
    ("muted", "bg"),
    ("muted", "card"),
    ("brand", "card"),
    ("brand", "bg"),
    ("brand-ink", "brand"),
    ("ok", "card"),
    ("ok", "bg"),
    ("warn", "card"),
    ("warn", "bg"),
    ("bad", "card"),
    ("bad", "bg"),
]
CHART_FILLS = ["c-ok", "c-warn", "c-info", "c-neutral", "c-bad"]


@pytest.mark.parametrize(("text", "background"), TEXT_PAIRS)
def test_text_colours_of_the_palette_have_a_contrast_of_at_least_4_5(text, background):
    colours = css_variables()
    ratio = contrast(colours[text], colours[background])
    assert ratio >= 4.5, f"--{text} on --{background}: {ratio:.2f}"


@pytest.mark.parametrize("fill", CHART_FILLS)
def test_chart_colours_stand_out_from_the_card_and_the_bar_track(fill):
    colours = css_variables()
    for background in ("card", "track"):
        ratio = contrast(colours[fill], colours[background])
        assert ratio >= 3, f"--{fill} on --{background}: {ratio:.2f}"


def test_the_focus_ring_shows_on_white_and_on_the_blue_top_bar():
    colours = css_variables()
    assert contrast(colours["ink"], colours["card"]) >= 3  # the outline
    assert contrast(colours["focus"], colours["brand"]) >= 3  # the halo on the top bar
    assert re.search(r":focus-visible[^{]*\{[^}]*outline:\s*3px solid", CSS)


def test_lists_print_without_navigation_or_forms_and_with_their_headers_on_every_page():
    blocks = " ".join(re.findall(r"@media print\s*\{(.*?)\n\}", CSS, re.S))
    for selector in (
        ".mainnav",
        ".topbar",
        "form.filters",
        ".pagination",
        "button",
        "input",
        "select",
        ".tabs",
    ):
        assert selector in blocks, selector
    assert "thead { display: table-header-group; }" in blocks
    assert "@page" in blocks


# -- every page of the matrix: labels, headings, charts ------------------------------------


class PageAudit(HTMLParser):
    """Collects form fields with how they are named, labels, h1s and SVGs."""

    NAMELESS_INPUTS = {"hidden", "submit", "button", "reset", "image"}

    def __init__(self):
        super().__init__()
        self.fields = []  # (tag, attrs, inside_label)
        self.label_for = set()
        self.label_depth = 0
        self.h1 = 0
        self.svgs = []
        self.titles_in_svg = 0
        self.svg_depth = 0
        self.html_lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and attrs.get("type", "text") in self.NAMELESS_INPUTS:
                return
            self.fields.append((tag, attrs, self.label_depth > 0))
        elif tag == "h1":
            self.h1 += 1
        elif tag == "svg":
            self.svg_depth += 1
            self.svgs.append(attrs)
        elif tag == "title" and self.svg_depth:
            self.titles_in_svg += 1

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth = max(0, self.label_depth - 1)
        elif tag == "svg":
            self.svg_depth = max(0, self.svg_depth - 1)

    def unlabelled(self):
        return [
            (tag, attrs.get("name"))
            for tag, attrs, inside in self.fields
            if not inside
            and attrs.get("id") not in self.label_for
            and not attrs.get("aria-label")
            and not attrs.get("aria-labelledby")
        ]


@pytest.fixture
def world(people, blora, rembang, election, tps901, tps902, tps_rembang):
    return security_world.places(people, blora, rembang, election, tps901, tps902, tps_rembang)


HTML_PAGES = [p for p in PAGES if p.method == "get"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", HTML_PAGES, ids=lambda p: p.name)
def test_every_field_has_a_label_and_every_chart_a_name(page, world, client_for):
    url = page.url(world)
    if url.startswith("/admin/"):
        return  # Django's own admin pages
    response = client_for(world["people"][page.roles[0]]).get(url)
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return
    audit = PageAudit()
    audit.feed(response.content.decode())
    assert audit.html_lang == "id", page.name
    assert audit.h1 == 1, f"{page.name}: {audit.h1} h1"
    assert audit.unlabelled() == [], page.name
    for svg in audit.svgs:
        named = svg.get("aria-hidden") == "true" or svg.get("role") == "img"
        assert named, f"{page.name}: an svg is neither decorative nor an image"
    images = sum(1 for svg in audit.svgs if svg.get("role") == "img")
    assert audit.titles_in_svg >= images, page.name
