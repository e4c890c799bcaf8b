"""Action items (tindak lanjut): the list with overdue items per institution and the election's
deadlines beside them, recording, editing and closing."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coordination import access, selectors, services
from coordination.access import READERS, RECORDERS
from coordination.forms import ActionItemForm, ActionStatusForm
from coordination.models import ActionItem, Institution, Meeting
from coordination.views.common import action_item_for, meeting_for
from coordination.views.meetings import refuse_stale
from voters.core.access import role_required
from voters.core.concurrency import StaleEdit
from voters.core.params import local_url, whole_number
from voters.models import AuditEvent, Election

STATUS_FILTERS = {
    "terbuka": lambda qs, today: qs.still_open(),
    "terlambat": lambda qs, today: qs.overdue(today),
    "selesai": lambda qs, today: qs.filter(status=ActionItem.Status.DONE),
    "dibatalkan": lambda qs, today: qs.filter(status=ActionItem.Status.CANCELLED),
    "semua": lambda qs, today: qs,
}


@require_GET
@role_required(*READERS)
def action_list(request):
    user = request.user
    today = timezone.localdate()
    base = ActionItem.objects.for_user(user).select_related(
        "owner_institution", "meeting__election", "meeting__facility", "decision"
    )
    elections = Election.objects.filter(
        pk__in=Meeting.objects.for_user(user).values("election")
    ).order_by("-polling_date")
    election = _chosen_election(request, elections, today)
    if election is not None:
        base = base.filter(meeting__election=election)
    institutions = Institution.objects.filter(pk__in=base.values("owner_institution")).order_by(
        "position", "name"
    )
    status = request.GET.get("status", "terbuka")
    if status not in STATUS_FILTERS:
        status = "terbuka"
    qs = STATUS_FILTERS[status](base, today)
    institution_id = request.GET.get("instansi", "")
    if whole_number(institution_id) is not None:
        qs = qs.filter(owner_institution_id=whole_number(institution_id))
    page = Paginator(qs.order_by("due_date", "pk"), 50).get_page(request.GET.get("hal"))
    open_items = list(base.still_open())
    return render(
        request,
        "coordination/action_list.html",
        {
            "page": page,
            "items": page.object_list,
            "overdue_groups": selectors.overdue_by_institution(open_items, today),
            "timeline": selectors.timeline(election, open_items, today) if election else [],
            "election": election,
            "elections": elections,
            "institutions": institutions,
            "status": status,
            "status_choices": [
                ("terbuka", _("Belum selesai")),
                ("terlambat", _("Terlambat")),
                ("selesai", _("Selesai")),
                ("dibatalkan", _("Dibatalkan")),
                ("semua", _("Semua")),
            ],
            "institution_id": institution_id,
            "today": today,
            "counts": selectors.counts_for(user, today),
        },
    )


def _chosen_election(request, elections, today):
    code = request.GET.get("pemilihan")
    if code:
        return elections.filter(code=code).first()
    upcoming = [e for e in elections if e.polling_date >= today]
    if upcoming:
        return upcoming[-1]  # the nearest one ahead
    return elections.first()


@role_required(*RECORDERS)
def action_create(request, pk):
    meeting = meeting_for(request, pk)
    initial = {}
    decision_id = request.GET.get("keputusan", "")
    decision = whole_number(decision_id)
    if decision is not None and meeting.decisions.filter(pk=decision).exists():
        initial["decision"] = decision
    form = ActionItemForm(request.POST or None, meeting=meeting, initial=initial)
    if request.method == "POST" and form.is_valid():
        item = services.create_action_item(
            item=form.save(commit=False), user=request.user, references=form.reference_list()
        )
        messages.success(request, _("Tindak lanjut dicatat: %(t)s.") % {"t": item.title})
        if "lagi" in request.POST:
            again = f"?keputusan={item.decision_id}" if item.decision_id else ""
            return redirect(request.path + again)
        return redirect(f"{meeting.get_absolute_url()}#tindak-lanjut")
    return render(
        request,
        "coordination/action_form.html",
        {"form": form, "meeting": meeting, "item": None},
    )


@require_GET
@role_required(*READERS)
def action_detail(request, pk):
    item = action_item_for(request, pk)
    history = AuditEvent.objects.filter(
        object_type=ActionItem._meta.label, object_id=str(item.pk)
    ).order_by("created_at")
    return render(
        request,
        "coordination/action_detail.html",
        {
            "item": item,
            "meeting": item.meeting,
            "links": list(item.links.select_related("content_type"))
            if access.sees_links(request.user)
            else None,
            "history": history,
            "can_record": access.can_record(request.user),
            "status_form": ActionStatusForm(
                initial={"status": item.status, "version": item.version}
            ),
            "today": timezone.localdate(),
        },
    )


@role_required(*RECORDERS)
def action_edit(request, pk):
    item = action_item_for(request, pk)
    form = ActionItemForm(request.POST or None, instance=item, meeting=item.meeting)
    if request.method == "POST" and form.is_valid():
        fields = [f for f in form.changed_model_fields() if f not in ("milestone", "references")]
        if "due_date" not in fields:
            fields.append("due_date")  # a chosen milestone sets it
        try:
            services.update_action_item(
                item=form.save(commit=False),
                user=request.user,
                fields=fields,
                references=form.reference_list(),
                expected_version=form.cleaned_data["version"],
            )
        except StaleEdit as exc:
            return refuse_stale(
                request,
                exc,
                form,
                "coordination/action_form.html",
                {"meeting": item.meeting, "item": item},
            )
        messages.success(request, _("Tindak lanjut diperbarui."))
        return redirect(item)
    return render(
        request,
        "coordination/action_form.html",
        {"form": form, "meeting": item.meeting, "item": item},
    )


@require_POST
@role_required(*RECORDERS)
def action_status(request, pk):
    item = action_item_for(request, pk)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(item)
    try:
        services.set_action_status(
            item=item,
            status=form.cleaned_data["status"],
            outcome=form.cleaned_data["outcome"],
            user=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except StaleEdit as exc:
        messages.error(request, str(exc))
        return redirect(item)
    messages.success(request, _("Status: %(s)s.") % {"s": item.get_status_display()})
    return redirect(request.POST.get("next") if _safe_next(request) else item.get_absolute_url())


def _safe_next(request):
    return local_url(request, request.POST.get("next")) is not None
