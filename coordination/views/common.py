"""Scoped look-ups shared by the coordination views: another facility's object is a 404."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from coordination.models import ActionItem, Attachment, Meeting


def meeting_for(request, pk):
    qs = Meeting.objects.for_user(request.user).select_related("facility", "election", "organiser")
    return get_object_or_404(qs, pk=pk)


def action_item_for(request, pk):
    qs = ActionItem.objects.for_user(request.user).select_related(
        "meeting__facility", "meeting__election", "owner_institution", "decision", "closed_by"
    )
    return get_object_or_404(qs, pk=pk)


def attachment_for(request, pk):
    qs = Attachment.objects.filter(meeting__facility__in=request.user.facilities())
    return get_object_or_404(qs.select_related("meeting__facility"), pk=pk)


def facility_for_new(request):
    """The facility a new institution or contact belongs to: the user's own, or ?upt=CODE."""
    facilities = request.user.facilities()
    if facilities.count() == 1:
        return facilities.get()
    code = request.GET.get("upt") or request.POST.get("upt")
    facility = facilities.filter(code=code).first() if code else None
    if facility is None:
        raise Http404
    return facility
