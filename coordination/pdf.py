"""Minutes (notulen) and attendance list (daftar hadir) as PDF, rendered with WeasyPrint.

The HTML comes from Django templates (autoescaped: a name containing HTML prints as text). The
URL fetcher serves only files of the project's static/ folder and data: URLs; file://, http(s)
and everything else are refused, so a template or a name can never make the renderer read a
local file or reach the network (SECURITY.md check 18). Fonts come from fontconfig (DejaVu).
"""

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from .figures import compare
from .services import place_names

# A base URL that can never resolve: relative and /static/ URLs in the templates join onto it,
# and the fetcher maps that prefix to the static folder. Nothing is ever fetched from it.
BASE_URL = "https://pdf.tpskhusus.invalid/"


class RefusedURL(ValueError):
    pass


def static_root() -> Path:
    return (Path(settings.BASE_DIR) / "static").resolve()


def _weasy():
    # Imported lazily: WeasyPrint loads Pango at import time, which pages never need.
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    return weasyprint, URLFetcher, URLFetcherResponse


def static_path_for(url: str) -> Path | None:
    """The file in static/ that `url` names, or None if it names anything else."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or parts.query:
        return None
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    path = unquote(parts.path)
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix) :]
    if not relative or "\x00" in relative:
        return None
    root = static_root()
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def make_fetcher():
    _weasyprint, URLFetcher, URLFetcherResponse = _weasy()

    class StaticOnlyFetcher(URLFetcher):
        def __init__(self):
            super().__init__(
                timeout=2, allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=False
            )

        def fetch(self, url, headers=None):
            if url.lower().startswith("data:"):
                return super().fetch(url, headers)
            path = static_path_for(url)
            if path is None:
                raise RefusedURL(f"refused: {url[:120]}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})

    return StaticOnlyFetcher()


@dataclass
class Rendered:
    html: str
    pdf: bytes
    pages: int


def render(template_name: str, context: dict) -> Rendered:
    weasyprint, _fetcher_class, _response = _weasy()
    html = render_to_string(template_name, context)
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=make_fetcher()).render()
    return Rendered(html=html, pdf=document.write_pdf(), pages=len(document.pages))


def meeting_context(meeting, *, user) -> dict:
    action_items = list(
        meeting.action_items.select_related("owner_institution", "decision").order_by(
            "due_date", "pk"
        )
    )
    kept = list(meeting.figures.all())
    return {
        "meeting": meeting,
        "facility": meeting.facility,
        "election": meeting.election,
        "attendees": list(meeting.attendees.select_related("institution")),
        "decisions": list(meeting.decisions.all()),
        "action_items": action_items,
        "figures": [row for row in compare(kept, []) if row["then"] is not None],
        "figures_missing": sum(1 for f in kept if f.value is None),
        "place": place_names(meeting.facility)["daerah"],
        "printed_at": timezone.localtime(),
        "printed_by": user,
    }


def minutes(meeting, *, user) -> Rendered:
    return render("coordination/pdf/minutes.html", meeting_context(meeting, user=user))


def attendance(meeting, *, user, blank_rows: int = 10) -> Rendered:
    context = meeting_context(meeting, user=user)
    start = len(context["attendees"]) + 1
    context["blank_rows"] = range(start, start + blank_rows)
    return render("coordination/pdf/attendance.html", context)
