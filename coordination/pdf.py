"""Minutes (notulen) and attendance list (daftar hadir) as PDF, rendered with WeasyPrint.

The HTML comes from Django templates (autoescaped: a name containing HTML prints as text). The
URL fetcher is the one of the notification letters (``voters.letters.pdf``: one implementation): it
serves only files of the project's static/ folder and data: URLs; file://, http(s) and
everything else are refused before anything is opened, redirects are never followed, and
``<link rel=attachment>`` goes through it too, so a template or a name can never make the
renderer read a local file or reach the network (SECURITY.md check 18). Fonts come from
fontconfig (DejaVu).
"""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from coordination.figures import compare
from coordination.services import place_names
from voters.letters import pdf as letters

# Relative and /static/ URLs in the templates join onto this base, which can never resolve.
BASE_URL = letters.BASE_URL
RefusedURL = letters.RefusedURL
static_root = letters.static_root
static_path_for = letters.static_path_for


def make_fetcher():
    return letters.safe_fetcher()


@dataclass
class Rendered:
    html: str
    pdf: bytes
    pages: int


def render(template_name: str, context: dict) -> Rendered:
    weasyprint = letters._weasyprint()[0]
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
