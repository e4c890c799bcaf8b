"""Charts as server-rendered SVG, and glossary terms on hover.

``{% chart card %}`` draws one dashboard card's chart (see voters/dashboard.py). The SVG only
uses presentation attributes (width, x, stroke-dasharray …) and CSS classes from app.css, so it
passes the Content-Security-Policy (no inline style, no script), prints, and needs nothing from
outside the LAN. Each chart is also a real table or list with the numbers in text, so a screen
reader, a printout and a colour-blind reader get the same figures as the bars.

``{% term "DPTb" %}`` writes the term as an <abbr> whose title explains it.
"""

import hashlib
import json

from django import template
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from voters.core import glossary

register = template.Library()

CIRCUMFERENCE = 100  # the donut's radius is chosen so that its circumference is 100


def _percent(value, scale):
    if not scale:
        return 0
    return round(max(0, min(value, scale)) * 100 / scale, 1)


def _bars(chart):
    rows = chart.get("rows", [])
    scale = chart.get("total") or max((r["value"] for r in rows), default=0)
    for row in rows:
        row["width"] = _percent(row["value"], scale)
        row["share"] = round(row["value"] * 100 / chart["total"]) if chart.get("total") else None
    tones = []
    for row in rows:
        if row["tone"] not in tones:
            tones.append(row["tone"])
    chart["tones"] = tones
    return chart


def _donut(chart):
    total = chart.get("total") or 0
    start = 0.0
    for segment in chart["segments"]:
        length = segment["value"] * CIRCUMFERENCE / total if total else 0
        segment["dash"] = f"{length:.2f} {CIRCUMFERENCE - length:.2f}"
        # Segments start at twelve o'clock and run clockwise.
        segment["offset"] = f"{25 - start:.2f}"
        segment["share"] = round(segment["value"] * 100 / total) if total else 0
        start += length
    chart["drawn"] = [s for s in chart["segments"] if s["value"]]
    return chart


def _stacked(chart):
    legend = {}
    for row in chart.get("rows", []):
        x = 0.0
        for segment in row["segments"]:
            width = segment["value"] * 100 / row["total"] if row["total"] else 0
            segment["x"] = f"{x:.2f}"
            segment["width"] = f"{width:.2f}"
            x += width
            legend.setdefault(segment["code"], segment)
    chart["legend"] = list(legend.values())
    return chart


def _progress(chart):
    for row in chart.get("rows", []):
        row["width"] = _percent(row["value"], row["total"])
    return chart


PREPARE = {"bars": _bars, "donut": _donut, "stacked": _stacked, "progress": _progress}


def _kept(store, key, limit, make):
    """``store[key]``, made by ``make()`` the first time; the store is emptied when it holds
    ``limit`` entries (its keys come from the data: it must stay bounded)."""
    if key not in store:
        if len(store) >= limit:
            store.clear()
        store[key] = make()
    return store[key]


# A chart's SVG is a function of its card alone (and of the language and time zone its labels
# and dates are written in): the dashboards draw the same few charts on every view until a
# figure changes, so each drawing is kept per process under a digest of the card.
_CHARTS = {}
CHARTS_KEPT = 512


def _chart_key(card):
    try:
        shown = json.dumps(card, sort_keys=True, default=str)
    except (TypeError, ValueError):  # keys of mixed types: drawn every time
        return None
    return (hashlib.blake2b(shown.encode(), digest_size=16).digest(), get_language(),
            get_current_timezone_name())


@register.simple_tag
def chart(card):
    """Render the chart of a dashboard card with the template charts/<kind>.html, once per
    card, language and time zone."""
    key = _chart_key(card)
    if key is None:
        return _draw(card)
    return _kept(_CHARTS, key, CHARTS_KEPT, lambda: _draw(card))


def _draw(card):
    kind = card["kind"]
    data = dict(card.get("chart") or {})
    prepare = PREPARE.get(kind)
    if prepare is not None:
        data = prepare(data)
    # Without the request: the chart templates use only these three names (and the i18n and
    # term tags), and with it every chart ran all the context processors again (the menu, the
    # facility picker, ...): six times per dashboard (issue 19 item 7).
    return render_to_string(
        f"charts/{kind}.html",
        {"card": card, "chart": data, "id": f"grafik-{card['key']}"},
    )


# The same few codes are marked on every row of a long table (the run page: two per row).
_TERMS = {}
TERMS_KEPT = 4096


@register.simple_tag
def term(code, text=None):
    """<abbr title="long name: explanation">code</abbr>. The same words are on the glossary
    page, linked from every page's top bar (a keyboard cannot hover). Rendered once per code,
    text and language: the glossary is code, not data."""
    return _kept(_TERMS, (code, text, get_language()), TERMS_KEPT, lambda: _term(code, text))


def _term(code, text):
    meaning = glossary.explain(code)
    shown = text or code
    if meaning is None:
        return conditional_escape(shown)
    long_name, explanation = meaning
    return format_html('<abbr title="{}: {}">{}</abbr>', long_name, explanation, shown)
