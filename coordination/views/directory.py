"""Institutions and their contacts (the facility's address book)."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coordination import access, services
from coordination.access import DIRECTORY_READERS, RECORDERS
from coordination.forms import ContactForm, InstitutionForm
from coordination.models import Contact, Institution
from coordination.views.common import facility_for_new
from coordination.views.meetings import refuse_stale
from voters.core.access import role_required
from voters.core.concurrency import StaleEdit, save_versioned
from voters.core.params import whole_number


@require_GET
@role_required(*DIRECTORY_READERS)
def institution_list(request):
    user = request.user
    facilities = list(user.facilities())
    for facility in facilities:
        services.ensure_institutions(facility)
    institutions = (
        Institution.objects.for_user(user)
        .select_related("facility")
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("name")))
        .order_by("facility__name", "position", "name")
    )
    return render(
        request,
        "coordination/institution_list.html",
        {
            "institutions": institutions,
            "facilities": facilities,
            "many_facilities": len(facilities) > 1,
            "can_record": access.can_record(user),
            "sees_contact_details": access.sees_contact_details(user),
        },
    )


@role_required(*RECORDERS)
def institution_create(request):
    facility = facility_for_new(request)
    form = InstitutionForm(request.POST or None, facility=facility)
    if request.method == "POST" and form.is_valid():
        institution = form.save()
        messages.success(request, _("Instansi ditambahkan: %(n)s.") % {"n": institution.name})
        return redirect(reverse("coordination:institution_list") + f"#instansi-{institution.pk}")
    return render(
        request,
        "coordination/institution_form.html",
        {"form": form, "institution": None, "facility": facility},
    )


@role_required(*RECORDERS)
def institution_edit(request, pk):
    institution = get_object_or_404(Institution.objects.for_user(request.user), pk=pk)
    form = InstitutionForm(request.POST or None, instance=institution, facility=None)
    if request.method == "POST" and form.is_valid():
        try:
            save_edit(form)
        except StaleEdit as exc:
            context = {"institution": institution, "facility": institution.facility}
            return refuse_stale(request, exc, form, "coordination/institution_form.html", context)
        messages.success(request, _("Instansi diperbarui."))
        return redirect(reverse("coordination:institution_list") + f"#instansi-{institution.pk}")
    return render(
        request,
        "coordination/institution_form.html",
        {"form": form, "institution": institution, "facility": institution.facility},
    )


@role_required(*RECORDERS)
def contact_create(request):
    facility = facility_for_new(request)
    initial = {}
    institution_id = request.GET.get("instansi", "")
    if whole_number(institution_id) is not None:
        initial["institution"] = whole_number(institution_id)
    form = ContactForm(request.POST or None, facility=facility, initial=initial)
    if request.method == "POST" and form.is_valid():
        contact = form.save()
        messages.success(request, _("Kontak ditambahkan: %(n)s.") % {"n": contact.name})
        return redirect(
            reverse("coordination:institution_list") + f"#instansi-{contact.institution_id}"
        )
    return render(
        request,
        "coordination/contact_form.html",
        {"form": form, "contact": None, "facility": facility},
    )


@role_required(*RECORDERS)
def contact_edit(request, pk):
    contact = get_object_or_404(Contact.objects.for_user(request.user), pk=pk)
    form = ContactForm(request.POST or None, instance=contact, facility=contact.facility)
    if request.method == "POST" and form.is_valid():
        try:
            save_edit(form)
        except StaleEdit as exc:
            context = {"contact": contact, "facility": contact.facility}
            return refuse_stale(request, exc, form, "coordination/contact_form.html", context)
        messages.success(request, _("Kontak diperbarui."))
        return redirect(
            reverse("coordination:institution_list") + f"#instansi-{contact.institution_id}"
        )
    return render(
        request,
        "coordination/contact_form.html",
        {"form": form, "contact": contact, "facility": contact.facility},
    )


@transaction.atomic
def save_edit(form):
    """An edited institution or contact: the changed fields, unless it changed meanwhile."""
    save_versioned(
        form.save(commit=False),
        expected_version=form.cleaned_data["version"],
        fields=form.changed_model_fields(),
    )
