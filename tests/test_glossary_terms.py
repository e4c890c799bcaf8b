"""The ``{% term %}`` tag marks a code with its glossary meaning; its output is kept per code,
text and language (voters/templatetags/charts.py), so a switch of language must not reuse the
other language's words, and a code from the data is escaped."""

from django.template import Context, Template
from django.utils import translation

TEMPLATE = Template("{% load charts %}{% term code %}|{% term code text %}")


def render(code, text=None):
    return TEMPLATE.render(Context({"code": code, "text": text}))


def test_a_term_is_marked_in_the_language_of_the_page():
    with translation.override("id"):
        indonesian = render("H")
        assert indonesian == render("H")  # the kept output is the same
    with translation.override("en"):
        english = render("H")
    with translation.override("id"):
        assert render("H") == indonesian
    assert indonesian.startswith('<abbr title="Hari pemungutan suara: ')
    assert english.startswith('<abbr title="Polling day: ')


def test_the_shown_text_and_an_unknown_code_are_escaped():
    with translation.override("id"):
        assert render("H-3", "<b>x</b>").endswith(">&lt;b&gt;x&lt;/b&gt;</abbr>")
        assert render("<script>", None) == "&lt;script&gt;|&lt;script&gt;"
