"""HTML → PDF with WeasyPrint: the one path for the notification letters, the KPPS print-outs
and the meeting PDFs (coordination/pdf.py).

Templates are Django templates (autoescaped: a name containing HTML prints as text). The URL
fetcher serves only files of the project's ``static/`` folder (CSS, images and the vendored
DejaVu fonts) and ``data:`` URLs. ``file://``, ``http(s)://`` and every other scheme are refused
before anything is opened, redirects are never followed, and ``<link rel=attachment>`` goes
through the same fetcher, so neither a template nor a name in a KPU list can make the renderer
read a local file or reach the network (SECURITY.md check 18).

``render_html`` can report layout progress page by page: WeasyPrint announces each page it lays
out on the ``weasyprint.progress`` logger, which is listened to for the rendering thread only.
"""

import gc
import logging
import mimetypes
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format

# Relative and /static/ URLs in the templates join onto this base; the fetcher maps its
# /static/ prefix to the static folder. The .invalid domain can never resolve.
BASE_URL = "https://cetak.tpskhusus.invalid/"


class RefusedURL(ValueError):
    """A resource outside the static folder was asked for; nothing was opened."""


def long_date(day: date, *, weekday: bool = True) -> str:
    """'Rabu, 27 November 2024' (Django's names under the id locale): a letter is in Bahasa
    Indonesia whatever language the person who prints it chose."""
    with translation.override("id"):
        return date_format(day, "l, j F Y" if weekday else "j F Y")


def hhmm(value) -> str:
    """07:00 → '07.00' (Indonesian time notation)."""
    return f"{value:%H.%M}" if value else ""


def asset_url(name):
    """The URL a printed document uses for a packaged static file ('fonts/DejaVuSans.ttf'):
    read by the fetcher below straight from static/, so printing never needs collectstatic or
    the manifest of the web's static storage."""
    return "/" + settings.STATIC_URL.strip("/") + "/" + name.lstrip("/")


def static_root():
    return (Path(settings.BASE_DIR) / "static").resolve()


def static_path_for(url):
    """The file under static/ that ``url`` names, or None when it names anything else."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    if (parts.scheme.lower(), parts.netloc.lower()) != (base.scheme, base.netloc):
        return None
    if parts.query:
        return None
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    path = unquote(parts.path)
    if not path.startswith(prefix) or "\x00" in path or "\\" in path:
        return None
    root = static_root()
    candidate = (root / path[len(prefix):]).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


@lru_cache(maxsize=32)
def _read_static(path, mtime_ns):
    return Path(path).read_bytes()


def _weasyprint():
    # Imported lazily: loading WeasyPrint loads Pango, which most pages never need.
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    return weasyprint, URLFetcher, URLFetcherResponse


@lru_cache(maxsize=1)
def _fetcher_class():
    _wp, URLFetcher, URLFetcherResponse = _weasyprint()

    class StaticOnlyFetcher(URLFetcher):
        """Packaged static files and data: URLs; everything else is refused unopened."""

        def __init__(self):
            super().__init__(
                timeout=2, allowed_protocols={"data"}, allow_redirects=False,
                fail_on_errors=False,
            )

        def fetch(self, url, headers=None):
            if url[:5].lower() == "data:":
                return super().fetch(url, headers)
            path = static_path_for(url)
            if path is None:
                raise RefusedURL(f"refused: {url[:120]}")
            body = _read_static(str(path), path.stat().st_mtime_ns)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})

    return StaticOnlyFetcher


def safe_fetcher():
    return _fetcher_class()()


class _PageListener(logging.Handler):
    """Turns WeasyPrint's 'Creating layout - Page N' messages of one thread into callbacks."""

    def __init__(self, callback):
        super().__init__(level=logging.INFO)
        self.callback = callback
        self.thread = threading.get_ident()

    def emit(self, record):
        if record.thread != self.thread:
            return
        message = record.msg
        if isinstance(message, str) and message.startswith("Step 5") and record.args:
            if "up-to-date" not in message:
                self.callback("layout", int(record.args[0]))
        elif isinstance(message, str) and message.startswith("Step 6"):
            self.callback("pdf", None)


_listener_lock = threading.Lock()
_listener_state = {"count": 0, "saved": None}


@contextmanager
def _progress(callback):
    if callback is None:
        yield
        return
    logger = logging.getLogger("weasyprint.progress")
    handler = _PageListener(callback)
    with _listener_lock:
        if _listener_state["count"] == 0:
            _listener_state["saved"] = (logger.level, logger.propagate)
            logger.setLevel(logging.INFO)
            logger.propagate = False  # progress messages are not for the log files
        _listener_state["count"] += 1
        logger.addHandler(handler)
    try:
        yield
    finally:
        with _listener_lock:
            logger.removeHandler(handler)
            _listener_state["count"] -= 1
            if _listener_state["count"] == 0:
                logger.setLevel(_listener_state["saved"][0])
                logger.propagate = _listener_state["saved"][1]


_gc_lock = threading.Lock()
_gc_state = {"count": 0, "was_enabled": True}


@contextmanager
def _collector_paused():
    """The cyclic garbage collector off while WeasyPrint lays out and writes, on again after.
    A document's boxes are hundreds of thousands of live objects, so each full collection walks
    them all again for almost nothing to free: 300 letters spent about a quarter of their CPU
    time in it (bench/README.md "Letters"); reference counting still frees the
    rest, and the collector's next run frees the document's cycles. Reentrant across threads:
    the last render to finish turns it back on."""
    with _gc_lock:
        if _gc_state["count"] == 0:
            _gc_state["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_state["count"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_state["count"] -= 1
            if _gc_state["count"] == 0 and _gc_state["was_enabled"]:
                gc.enable()


@dataclass
class Rendered:
    html: str
    pdf: bytes
    pages: int


def render_html(html: str, *, progress=None, target=None) -> Rendered:
    """Lay out ``html`` and write the PDF (to ``target`` when given, else into ``pdf``).

    ``progress(step, page)`` is called with ('layout', page number) for every page laid out,
    then once with ('pdf', None) when writing starts.
    """
    weasyprint, _fetcher, _response = _weasyprint()
    with _progress(progress), _collector_paused():
        document = weasyprint.HTML(
            string=html, base_url=BASE_URL, url_fetcher=safe_fetcher()
        ).render()
        if target is not None:
            document.write_pdf(target)
            data = b""
        else:
            data = document.write_pdf()
    return Rendered(html=html, pdf=data, pages=len(document.pages))


def template_html(template_name: str, context: dict) -> str:
    """A printout's HTML, in Bahasa Indonesia (workers have no request language)."""
    with translation.override("id"):
        return render_to_string(template_name, context)


def render_template(template_name: str, context: dict, *, progress=None, target=None) -> Rendered:
    """A template rendered in Bahasa Indonesia (``template_html``), to PDF."""
    return render_html(template_html(template_name, context), progress=progress, target=target)
