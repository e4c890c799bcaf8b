"""WeasyPrint never reads a local file or the network (SECURITY.md check 18): the one renderer
(voters/letters/pdf.py), which the notification letters and the meeting PDFs
(coordination/pdf.py) both go through."""

import io
import socket

import pypdf
import pytest
import weasyprint
from weasyprint.urls import URLFetcher

from coordination import pdf as meeting_pdf
from voters.letters import pdf as letters

HOSTILE_URLS = [
    "file:///etc/passwd",
    "FILE:///etc/hostname",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "https://169.254.169.254/",
    "http://127.0.0.1:6379/",
    "https://example.com/x.css",
    "ftp://example.com/x",
    "gopher://127.0.0.1:25/",
    letters.BASE_URL + "static/../../../../etc/passwd",
    letters.BASE_URL + "static/%2e%2e/%2e%2e/manage.py",
    letters.BASE_URL + "static/css/app.css?x=1",
    "https://cetak.tpskhusus.invalid@169.254.169.254/static/css/app.css",
]
HOSTILE_DOCUMENT = """<html><head>
  <link rel="attachment" href="file:///etc/passwd">
  <link rel="stylesheet" href="http://169.254.169.254/latest/meta-data/">
  <style>@import url("file:///etc/passwd"); body { background: url(http://169.254.169.254/) }
    @font-face { font-family: x; src: url(file:///etc/passwd) }</style>
</head><body>
  <img src="file:///etc/passwd"><img src="http://169.254.169.254/latest/meta-data/">
  <a rel="attachment" href="file:///etc/hostname">lampiran</a>
  <object data="file:///etc/passwd"></object><embed src="file:///etc/passwd">
  <iframe src="file:///etc/passwd"></iframe><svg><image href="file:///etc/passwd"/></svg>
  <p>halo</p>
</body></html>"""



@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def pdf_text(data):
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_meeting_pdfs_go_through_the_letters_renderer(monkeypatch):
    seen = []
    render_html = letters.render_html
    monkeypatch.setattr(letters, "render_html", lambda html: seen.append(html) or render_html(html))
    monkeypatch.setattr(meeting_pdf, "render_to_string", lambda name, context: "<p>halo</p>")
    rendered = meeting_pdf.render("coordination/pdf/minutes.html", {})
    assert seen == ["<p>halo</p>"] and rendered.pages == 1


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_fetcher_refuses_local_files_and_the_network(url, no_network):
    with pytest.raises(letters.RefusedURL):
        letters.safe_fetcher().fetch(url)
    assert no_network == []


def test_a_hostile_document_renders_without_files_attachments_or_network(no_network):
    html = weasyprint.HTML(string=HOSTILE_DOCUMENT, base_url=letters.BASE_URL,
                           url_fetcher=letters.safe_fetcher())
    data = html.write_pdf()
    assert b"/EmbeddedFile" not in data and b"/FileAttachment" not in data
    text = pdf_text(data)
    assert "halo" in text and "root:" not in text
    assert no_network == []


def test_without_the_safe_fetcher_the_same_document_would_embed_a_local_file(no_network):
    """The control: WeasyPrint's own fetcher reads file:// and attaches it."""
    data = weasyprint.HTML(string=HOSTILE_DOCUMENT, base_url=letters.BASE_URL,
                           url_fetcher=URLFetcher()).write_pdf()
    assert b"/EmbeddedFile" in data


def test_a_name_with_html_prints_as_text_in_a_letter(no_network):
    from django.template import engines

    template = engines["django"].from_string("<p>{{ nama }}</p>")
    html = template.render({"nama": '<img src="file:///etc/passwd">BUDI'})
    rendered = letters.render_html(html)
    assert "<img" not in rendered.html
    assert '<img src="file:///etc/passwd">BUDI' in pdf_text(rendered.pdf).replace("\n", "")
    assert no_network == []
