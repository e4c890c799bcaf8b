"""Minutes (notulen) and attendance list (daftar hadir) as PDF.

Rendered through the notification letters' one WeasyPrint path (``voters.letters.pdf``), with its
URL fetcher: only files of the project's static/ folder and data: URLs, nothing local or on the
network (SECURITY.md check 18). The HTML comes from Django templates (autoescaped: a name
containing HTML prints as text), in the language of the person who prints, as the meeting pages.
"""

from django.template.loader import render_to_string
from django.utils import timezone

from coordination.figures import compare
from coordination.services import place_names
from voters.letters import pdf as letters


def render(template_name: str, context: dict) -> letters.Rendered:
    return letters.render_html(render_to_string(template_name, context))


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


def minutes(meeting, *, user) -> letters.Rendered:
    return render("coordination/pdf/minutes.html", meeting_context(meeting, user=user))


def attendance(meeting, *, user, blank_rows: int = 10) -> letters.Rendered:
    context = meeting_context(meeting, user=user)
    start = len(context["attendees"]) + 1
    context["blank_rows"] = range(start, start + blank_rows)
    return render("coordination/pdf/attendance.html", context)
