"""Meetings: list, record, the meeting page with its quick forms, and the printable PDFs."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coordination import access, figures, pdf, selectors, services
from coordination.access import READERS, RECORDERS
from coordination.forms import (
    AttachmentForm,
    AttendeeForm,
    DecisionEditForm,
    DecisionForm,
    InstitutionsAttendingForm,
    MeetingForm,
)
from coordination.models import ActionItem, Attendee, Decision, Meeting
from coordination.views.common import meeting_for
from voters.core.access import role_required
from voters.core.concurrency import StaleEdit
from voters.models import Election


@require_GET
@role_required(*READERS)
def meeting_list(request):
    user = request.user
    qs = (
        Meeting.objects.for_user(user)
        .select_related("election", "organiser", "facility")
        .annotate(
            n_attendees=Count("attendees", distinct=True),
            n_decisions=Count("decisions", distinct=True),
            n_open=Count(
                "action_items",
                filter=Q(action_items__status__in=ActionItem.OPEN_STATUSES),
                distinct=True,
            ),
        )
        .order_by("-date", "-start_time", "-pk")
    )
    election_code = request.GET.get("pemilihan", "")
    stage = request.GET.get("tahapan", "")
    query = request.GET.get("q", "").strip()
    if election_code:
        qs = qs.filter(election__code=election_code)
    if stage in Meeting.Stage.values:
        qs = qs.filter(stage=stage)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(venue__icontains=query))
    page = Paginator(qs, 25).get_page(request.GET.get("hal"))
    elections = Election.objects.filter(pk__in=Meeting.objects.for_user(user).values("election"))
    return render(
        request,
        "coordination/meeting_list.html",
        {
            "page": page,
            "meetings": page.object_list,
            "elections": elections,
            "stages": Meeting.Stage.choices,
            "filters": {"pemilihan": election_code, "tahapan": stage, "q": query},
            "can_record": access.can_record(user),
            "many_facilities": user.facilities().count() > 1,
            "counts": selectors.counts_for(user),
        },
    )


@role_required(*RECORDERS)
def meeting_create(request):
    form = MeetingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        meeting = services.create_meeting(
            meeting=form.save(commit=False),
            user=request.user,
            attending=form.cleaned_data.get("attending") or [],
        )
        messages.success(
            request,
            _(
                "Rapat dicatat dan angka UPT per %(day)s disimpan. Lengkapi peserta, keputusan "
                "dan tindak lanjut di bawah."
            )
            % {"day": f"{meeting.figures_on:%d-%m-%Y}"},
        )
        return redirect(meeting)
    return render(request, "coordination/meeting_form.html", {"form": form, "meeting": None})


@role_required(*RECORDERS)
def meeting_edit(request, pk):
    meeting = meeting_for(request, pk)
    form = MeetingForm(request.POST or None, instance=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            try:
                services.update_meeting(
                    meeting=form.save(commit=False),
                    user=request.user,
                    fields=form.changed_model_fields(),
                    expected_version=form.cleaned_data["version"],
                )
            except StaleEdit as exc:
                return refuse_stale(
                    request, exc, form, "coordination/meeting_form.html", {"meeting": meeting}
                )
            messages.success(request, _("Rapat diperbarui."))
        return redirect(meeting)
    return render(request, "coordination/meeting_form.html", {"form": form, "meeting": meeting})


def refuse_stale(request, exc, form, template, context):
    """The form again, with what the person typed and why it was not saved (409 Conflict)."""
    form.add_error(None, str(exc))
    return render(request, template, {"form": form, **context}, status=409)


@require_GET
@role_required(*READERS)
def meeting_detail(request, pk):
    return render_detail(request, meeting_for(request, pk))


def render_detail(request, meeting, status=200, **bound):
    user = request.user
    today = timezone.localdate()
    can_record = access.can_record(user)
    items = list(
        meeting.action_items.select_related("owner_institution", "decision").prefetch_related(
            "links"
        )
    )
    decisions = meeting.decisions.prefetch_related(
        Prefetch("action_items", queryset=ActionItem.objects.select_related("owner_institution"))
    )
    attachments = list(meeting.attachments.select_related("uploaded_by"))
    for attachment in attachments:
        attachment.allowed = access.may_download(user, attachment)
    kept = list(meeting.figures.all())
    context = {
        "meeting": meeting,
        "figure_rows": figures.compare(
            kept, figures.snapshot(meeting.facility, meeting.election, today)
        ),
        "attendees": meeting.attendees.select_related("institution", "contact"),
        "decisions": decisions,
        "action_items": items,
        "attachments": attachments,
        "timeline": selectors.timeline(meeting.election, items, today),
        "today": today,
        "can_record": can_record,
        "sees_links": access.sees_links(user),
    }
    if can_record:
        context.update(
            attendee_form=bound.get("attendee_form") or AttendeeForm(facility=meeting.facility),
            institutions_form=bound.get("institutions_form")
            or InstitutionsAttendingForm(
                facility=meeting.facility,
                present=meeting.attendees.filter(institution__isnull=False).values("institution"),
            ),
            decision_form=bound.get("decision_form") or DecisionForm(),
            attachment_form=bound.get("attachment_form") or AttachmentForm(),
        )
    return render(request, "coordination/meeting_detail.html", context, status=status)


@require_POST
@role_required(*RECORDERS)
def meeting_figures(request, pk):
    meeting = meeting_for(request, pk)
    services.retake_figures(meeting=meeting, user=request.user)
    messages.success(request, _("Angka UPT diambil ulang."))
    return redirect(f"{meeting.get_absolute_url()}#angka")


@require_POST
@role_required(*RECORDERS)
def attendee_add(request, pk):
    meeting = meeting_for(request, pk)
    form = AttendeeForm(request.POST, facility=meeting.facility)
    if not form.is_valid():
        return render_detail(request, meeting, status=400, attendee_form=form)
    attendee = form.save(commit=False)
    attendee.meeting = meeting
    services.add_attendee(attendee=attendee, user=request.user)
    messages.success(request, _("Peserta ditambahkan: %(name)s.") % {"name": attendee})
    return redirect(f"{meeting.get_absolute_url()}#peserta")


@require_POST
@role_required(*RECORDERS)
def attendee_add_institutions(request, pk):
    meeting = meeting_for(request, pk)
    form = InstitutionsAttendingForm(request.POST, facility=meeting.facility)
    if not form.is_valid():
        return render_detail(request, meeting, status=400, institutions_form=form)
    added = services.add_institutions(
        meeting=meeting, institutions=form.cleaned_data["institutions"], user=request.user
    )
    messages.success(request, _("%(n)s instansi ditambahkan sebagai peserta.") % {"n": added})
    return redirect(f"{meeting.get_absolute_url()}#peserta")


@require_POST
@role_required(*RECORDERS)
def attendee_delete(request, pk):
    attendee = get_object_or_404(
        Attendee.objects.filter(meeting__facility__in=request.user.facilities()), pk=pk
    )
    meeting = attendee.meeting
    services.remove_attendee(attendee=attendee, user=request.user)
    messages.success(request, _("Peserta dihapus."))
    return redirect(f"{meeting.get_absolute_url()}#peserta")


@require_POST
@role_required(*RECORDERS)
def decision_add(request, pk):
    meeting = meeting_for(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return render_detail(request, meeting, status=400, decision_form=form)
    decision = services.add_decision(
        meeting=meeting, text=form.cleaned_data["text"], user=request.user
    )
    messages.success(request, _("Keputusan %(n)s dicatat.") % {"n": decision.number})
    return redirect(f"{meeting.get_absolute_url()}#keputusan")


def decision_for(request, pk):
    qs = Decision.objects.filter(meeting__facility__in=request.user.facilities())
    return get_object_or_404(qs.select_related("meeting"), pk=pk)


@role_required(*RECORDERS)
def decision_edit(request, pk):
    decision = decision_for(request, pk)
    form = DecisionEditForm(
        request.POST or None, initial={"text": decision.text, "version": decision.version}
    )
    context = {"decision": decision, "meeting": decision.meeting}
    if request.method == "POST" and form.is_valid():
        try:
            services.update_decision(
                decision=decision,
                text=form.cleaned_data["text"],
                user=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except StaleEdit as exc:
            return refuse_stale(request, exc, form, "coordination/decision_form.html", context)
        messages.success(request, _("Keputusan diperbarui."))
        return redirect(f"{decision.meeting.get_absolute_url()}#keputusan")
    return render(request, "coordination/decision_form.html", {"form": form, **context})


@require_POST
@role_required(*RECORDERS)
def decision_delete(request, pk):
    decision = decision_for(request, pk)
    meeting = decision.meeting
    services.delete_decision(decision=decision, user=request.user)
    messages.success(request, _("Keputusan dihapus; nomor keputusan lain disesuaikan."))
    return redirect(f"{meeting.get_absolute_url()}#keputusan")


@require_GET
@role_required(*READERS)
def minutes_pdf(request, pk):
    meeting = meeting_for(request, pk)
    rendered = pdf.minutes(meeting, user=request.user)
    services.record_print(
        meeting=meeting, request=request, what="minutes", pages=rendered.pages, pdf=rendered.pdf
    )
    return pdf_response(rendered, f"notulen-rapat-{meeting.date:%Y%m%d}-{meeting.pk}.pdf")


@require_GET
@role_required(*READERS)
def attendance_pdf(request, pk):
    meeting = meeting_for(request, pk)
    rendered = pdf.attendance(meeting, user=request.user)
    services.record_print(
        meeting=meeting, request=request, what="attendance", pages=rendered.pages, pdf=rendered.pdf
    )
    return pdf_response(rendered, f"daftar-hadir-{meeting.date:%Y%m%d}-{meeting.pk}.pdf")


def pdf_response(rendered, filename):
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
