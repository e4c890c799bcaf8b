"""The staff roster pages: the facility's officers, and their upload with a preview."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from voters.core.access import Role, current_facility, role_required, show_nik
from voters.core.jobs import is_previewing
from voters.inmates import staff as service
from voters.inmates.forms import UploadForm
from voters.inmates.views import scoped_upload
from voters.models import ImportBatch, StaffMember

OPERATORS = (Role.OPERATOR, Role.ADMIN)


@role_required(*OPERATORS)
def staff_roster(request):
    facility = current_facility(request)
    if facility is None:  # an admin of every facility has no roster of their own
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = service.start_staff_preview(
            uploaded=form.cleaned_data["file"], facility=facility, user=request.user
        )
        return redirect("staff_import", pk=batch.pk)
    page = Paginator(StaffMember.objects.filter(facility=facility), 100).get_page(
        request.GET.get("hal")
    )
    for member in page:
        member.nik_shown = show_nik(request.user, member.nik)
    recent = ImportBatch.objects.filter(kind=ImportBatch.Kind.STAFF, facility=facility)[:5]
    return render(
        request,
        "voters/staff/roster.html",
        {"form": form, "page": page, "facility": facility, "recent": recent},
        status=400 if form.errors else 200,
    )


def _batch(request, pk):
    return scoped_upload(request, pk, ImportBatch.Kind.STAFF)


@role_required(*OPERATORS)
def staff_import(request, pk):
    batch = _batch(request, pk)
    return render(
        request,
        "voters/staff/import.html",
        {"batch": batch, "previewing": is_previewing(batch)},
    )


@require_POST
@role_required(*OPERATORS)
def staff_import_confirm(request, pk):
    batch = _batch(request, pk)
    try:
        service.confirm_staff_import(batch=batch)
    except service.ConfirmRefused as refused:
        messages.error(request, str(refused))
    return redirect("staff_import", pk=batch.pk)
