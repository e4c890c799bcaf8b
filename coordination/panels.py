"""The home-page panel: open and overdue follow-ups of the user's facility."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination import selectors
from coordination.access import READERS
from coordination.models import Meeting
from voters.core.access import has_role


def coordination_panel(request):
    user = request.user
    if not has_role(user, READERS):
        return []
    today = timezone.localdate()
    counts = selectors.counts_for(user, today)
    actions_url = reverse("coordination:action_list")
    items = [
        (_("Tindak lanjut belum selesai"), counts["open"], actions_url),
        (_("Terlambat"), counts["overdue"], f"{actions_url}?status=terlambat"),
        (_("Jatuh tempo 7 hari ke depan"), counts["due_week"], actions_url),
    ]
    latest = Meeting.objects.for_user(user).filter(date__lte=today).first()
    if latest is not None:
        items.append(
            (
                _("Rapat terakhir: %(t)s") % {"t": latest.title},
                f"{latest.date:%d-%m-%Y}",
                latest.get_absolute_url(),
            )
        )
    return [
        {
            "title": _("Koordinasi dan tindak lanjut"),
            "items": items,
            "url": reverse("coordination:meeting_list"),
            "link_label": _("Rapat koordinasi"),
        }
    ]
