"""KPPS pages: notification letters, the delivery register (tanda terima) and polling day.

A KPPS officer sees only their own TPS; operators and admins every TPS of their facility (the
TPS is always fetched through ``user.tps_queryset()``, so anything else is a 404). Letter PDFs
carry full NIKs and are for the KPPS, operators and admins only; the KPU liaison and observers
read the registers and the recaps, which show no NIK.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from voters.core.access import ALL_ROLES, Role, has_role, role_required, show_nik
from voters.core.concurrency import StaleEdit
from voters.core.middleware import passive
from voters.core.params import local_url
from voters.letters import ksk as ksk_service
from voters.letters import polling as polling_service
from voters.letters import services as service
from voters.letters.counts import register_summary
from voters.letters.forms import (
    DeliveryFilterForm,
    DeliveryForm,
    DpkForm,
    KeyForm,
    KskVisitForm,
    KskVoterForm,
    LetterBatchForm,
    UndoForm,
)
from voters.letters.services import LetterError
from voters.models import KskVoter, LetterBatch, LetterDelivery, NoticeTemplate

# Letters carry the voter's full NIK: the KPPS of the TPS and the facility's staff who print.
LETTER_ROLES = (Role.KPPS, Role.OPERATOR, Role.ADMIN)
# Recording deliveries and votes is the KPPS's work (admins may correct).
KPPS_WRITERS = (Role.KPPS, Role.ADMIN)
PAGE_SIZE = 100


def scoped_tps(request, pk):
    return get_object_or_404(
        request.user.tps_queryset().select_related("election", "facility"), pk=pk
    )


def scoped_batch(request, pk):
    return get_object_or_404(
        LetterBatch.objects.filter(tps__in=request.user.tps_queryset()).select_related(
            "tps__facility", "tps__election", "election", "created_by"
        ),
        pk=pk,
    )


def _back(request, fallback):
    return local_url(request, request.POST.get("next")) or fallback


def pdf_response(data, filename):
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# -- overview -------------------------------------------------------------------------------


def letters_panel(request):
    """Home page: per TPS still ahead, letters delivered / not yet and days to H-3."""
    user = request.user
    if not has_role(user, (Role.KPPS, Role.OPERATOR, Role.ADMIN)):
        return []
    today = timezone.localdate()
    panels = []
    ahead = [tps for tps in user.visible_tps() if tps.election.polling_date >= today]
    for tps in ahead[:5]:
        register = register_summary(request, tps, today=today)
        counts = register.counts
        deliveries_url = reverse("deliveries", args=[tps.pk])
        panels.append({
            "title": _("Surat pemberitahuan TPS %(n)s") % {"n": tps.number},
            "items": [
                (_("Penerima surat"), counts.get("total", 0), None),
                (_("Sudah diterima"), counts.get("delivered_all", 0), deliveries_url),
                (_("Belum diserahkan"), counts.get("pending", 0), deliveries_url),
                (_("Tidak dapat disampaikan"), counts.get("undeliverable", 0), None),
                (_("Hari menuju batas H-%(n)s (%(d)s)") % {
                    "n": tps.election.letter_days,
                    "d": register.deadline.strftime("%d-%m-%Y")}, register.days_left, None),
            ],
            "url": reverse("kpps_tps", args=[tps.pk]),
            "link_label": _("Buka TPS %(n)s") % {"n": tps.number},
        })
    return panels


@require_GET
@role_required(*ALL_ROLES)
def kpps_home(request):
    today = timezone.localdate()
    rows = []
    for tps in request.user.tps_queryset().select_related("election", "facility").order_by(
        "-election__polling_date", "number"
    ):
        register = service.delivery_register(tps, today=today)
        rows.append({"tps": tps, "register": register,
                     "polling": polling_service.polling_state(tps.election)})
    return render(request, "voters/kpps/home.html", {
        "rows": rows,
        "can_print": has_role(request.user, LETTER_ROLES),
    })


@require_GET
@role_required(*ALL_ROLES)
def kpps_tps(request, pk):
    tps = scoped_tps(request, pk)
    register = service.delivery_register(tps)
    can_print = has_role(request.user, LETTER_ROLES)
    batches = list(tps.letter_batches.select_related("created_by")[:10]) if can_print else []
    return render(request, "voters/kpps/tps.html", {
        "tps": tps,
        "election": tps.election,
        "register": register,
        "blocks": service.blocks_of(register.voters),
        "form": LetterBatchForm(blocks=service.blocks_of(register.voters)),
        "batches": batches,
        "can_print": can_print,
        "polling": polling_service.polling_state(tps.election),
        "hours": polling_service.hours_text(tps.election),
        "template": NoticeTemplate.for_election(tps.election),
    })


# -- letters --------------------------------------------------------------------------------


@require_POST
@role_required(*LETTER_ROLES)
def letter_batch_create(request, pk):
    tps = scoped_tps(request, pk)
    register_blocks = service.blocks_of(service.recipients(tps))
    form = LetterBatchForm(request.POST, blocks=register_blocks)
    if not form.is_valid():
        messages.error(request, _("Pilih blok yang ada di daftar."))
        return redirect("kpps_tps", pk=tps.pk)
    try:
        batch = service.start_letter_batch(
            tps=tps, user=request.user, block=form.cleaned_data["block"]
        )
    except LetterError as exc:
        messages.error(request, str(exc))
        return redirect("kpps_tps", pk=tps.pk)
    return redirect("letter_batch", pk=batch.pk)


@require_GET
@role_required(*LETTER_ROLES)
def letter_batch(request, pk):
    batch = scoped_batch(request, pk)
    return render(request, "voters/kpps/batch.html", {
        "batch": batch,
        "tps": batch.tps,
        "has_file": service.batch_file(batch) is not None,
    })


@passive
@require_GET
@role_required(*LETTER_ROLES)
def letter_batch_progress(request, pk):
    """The batch's progress bar, scoped to the user's TPS (the generic /pekerjaan/ endpoint is
    scoped to the facility only)."""
    return JsonResponse(scoped_batch(request, pk).progress_json())


@require_GET
@role_required(*LETTER_ROLES)
def letter_batch_download(request, pk):
    batch = scoped_batch(request, pk)
    path = service.batch_file(batch)
    if path is None:
        raise Http404
    service.record_download(batch=batch, request=request, path=path)
    response = FileResponse(path.open("rb"), content_type="application/pdf",
                            as_attachment=True, filename=batch.file_name)
    response["Cache-Control"] = "private, no-store"
    return response


# -- delivery register ----------------------------------------------------------------------


def _filtered(voters, data):
    status = data.get("status") or "belum"
    if status == "belum":
        voters = [v for v in voters if v.delivery is None]
    elif status == "sudah":
        voters = [v for v in voters if v.delivery is not None and v.delivery.is_delivered]
    elif status == "tidak":
        voters = [v for v in voters if v.delivery is not None and not v.delivery.is_delivered]
    if data.get("blok"):
        voters = [v for v in voters if v.blok == data["blok"]]
    return service.search_voters(voters, data.get("q"))


@require_GET
@role_required(*ALL_ROLES)
def deliveries(request, pk):
    tps = scoped_tps(request, pk)
    register = service.delivery_register(tps)
    blocks = service.blocks_of(register.voters)
    form = DeliveryFilterForm(request.GET or None, blocks=blocks)
    data = form.cleaned_data if form.is_valid() else {}
    shown = _filtered(register.voters, data)
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("hal"))
    query = request.GET.copy()
    query.pop("hal", None)
    return render(request, "voters/kpps/deliveries.html", {
        "tps": tps,
        "election": tps.election,
        "register": register,
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "shown": len(shown),
        "reasons": LetterDelivery.Reason.choices,
        "can_record": has_role(request.user, KPPS_WRITERS),
        "today": register.today,
        "here": request.get_full_path(),
    })


@require_POST
@role_required(*KPPS_WRITERS)
def delivery_mark(request, pk):
    tps = scoped_tps(request, pk)
    back = _back(request, reverse("deliveries", args=[tps.pk]))
    form = DeliveryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Isian tanda terima tidak lengkap."))
        return redirect(back)
    data = form.cleaned_data
    try:
        delivery = service.record_delivery(
            tps=tps,
            key=data["key"],
            status=data["status"],
            reason=data["reason"],
            proxy_name=data["proxy_name"],
            delivered_on=data["delivered_on"],
            note=data["note"],
            user=request.user,
        )
    except LetterError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, _("%(name)s: %(status)s.") % {
        "name": delivery.nama, "status": delivery.get_status_display()})
    return redirect(back)


@require_POST
@role_required(*KPPS_WRITERS)
def delivery_clear(request, pk):
    tps = scoped_tps(request, pk)
    back = _back(request, reverse("deliveries", args=[tps.pk]))
    form = KeyForm(request.POST)
    if form.is_valid() and service.clear_delivery(
        tps=tps, key=form.cleaned_data["key"], user=request.user
    ):
        messages.success(request, _("Catatan tanda terima dibatalkan."))
    else:
        messages.error(request, _("Tidak ada catatan tanda terima untuk dibatalkan."))
    return redirect(back)


@require_GET
@role_required(*ALL_ROLES)
def delivery_recap_pdf(request, pk):
    tps = scoped_tps(request, pk)
    rendered = service.render_recap(tps=tps, user=request.user)
    return pdf_response(
        rendered.pdf, f"rekap-c-pemberitahuan-{tps.election.code}-tps{tps.number}.pdf"
    )


# -- polling day ----------------------------------------------------------------------------


@require_GET
@role_required(*ALL_ROLES)
def polling(request, pk):
    tps = scoped_tps(request, pk)
    election = tps.election
    voters = polling_service.register_voters(tps)
    query = (request.GET.get("q") or "").strip()[:100]
    shown = service.search_voters(voters, query) if query else voters
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("hal"))
    now = polling_service.local_now()
    can_record = has_role(request.user, KPPS_WRITERS)
    dpk_open = now.date() == election.polling_date and now.time() >= polling_service.opens_at(
        election, "DPK"
    )
    for voter in page.object_list:
        if voter.checkin is not None and voter.checkin.nik:
            voter.extra["nik_shown"] = show_nik(request.user, voter.checkin.nik)
    return render(request, "voters/kpps/polling.html", {
        "tps": tps,
        "election": election,
        "page": page,
        "query": f"q={query}" if query else "",
        "q": query,
        "counts": polling_service.polling_counts(voters),
        "ksk_votes": polling_service.ksk_votes(tps),
        "state": polling_service.polling_state(election, now),
        "hours": polling_service.hours_text(election),
        "dpk_open": dpk_open,
        "dpk_start": polling_service.opens_at(election, "DPK"),
        "dpk_form": DpkForm() if can_record and dpk_open else None,
        "undone": polling_service.undone_checkins(tps),
        "can_record": can_record,
        "here": request.get_full_path(),
    })


@require_POST
@role_required(*KPPS_WRITERS)
def polling_check_in(request, pk):
    tps = scoped_tps(request, pk)
    back = _back(request, reverse("polling", args=[tps.pk]))
    form = KeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pilih pemilih dari daftar."))
        return redirect(back)
    try:
        checkin = polling_service.check_in(tps=tps, key=form.cleaned_data["key"], user=request.user)
    except LetterError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, _("%(name)s tercatat hadir memilih pukul %(t)s.") % {
        "name": checkin.nama, "t": timezone.localtime(checkin.voted_at).strftime("%H.%M")})
    return redirect(back)


@require_POST
@role_required(*KPPS_WRITERS)
def polling_undo(request, pk):
    tps = scoped_tps(request, pk)
    back = _back(request, reverse("polling", args=[tps.pk]))
    form = UndoForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tuliskan alasan pembatalan."))
        return redirect(back)
    try:
        checkin = polling_service.undo_check_in(
            tps=tps, checkin_id=form.cleaned_data["checkin"],
            reason=form.cleaned_data["reason"], user=request.user,
        )
    except LetterError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, _("Catatan hadir %(name)s dibatalkan.") % {"name": checkin.nama})
    return redirect(back)


@require_POST
@role_required(*KPPS_WRITERS)
def polling_add_dpk(request, pk):
    tps = scoped_tps(request, pk)
    back = reverse("polling", args=[tps.pk])
    form = DpkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Periksa isian pemilih DPK: NIK wajib diisi."))
        return redirect(back)
    try:
        checkin = polling_service.add_dpk_voter(tps=tps, user=request.user, **form.cleaned_data)
    except LetterError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, _("%(name)s ditambahkan sebagai DPK nomor %(n)s dan tercatat hadir.")
                     % {"name": checkin.nama, "n": checkin.list_number})
    return redirect(back)


@require_GET
@role_required(*ALL_ROLES)
def polling_report_pdf(request, pk):
    tps = scoped_tps(request, pk)
    rendered = polling_service.render_polling_report(tps=tps, user=request.user)
    return pdf_response(
        rendered.pdf, f"daftar-hadir-{tps.election.code}-tps{tps.number}.pdf"
    )


# -- mobile ballot box (KSK) ----------------------------------------------------------------


@require_GET
@role_required(*ALL_ROLES)
def ksk_visit(request, pk):
    """The KSK visit record of a TPS registered with ``--ksk``: its window, the facility's
    voters to visit with the box and what the visit found for each."""
    tps = scoped_tps(request, pk)
    election = tps.election
    roll = ksk_service.ksk_roll(tps)
    can_record = tps.ksk and has_role(request.user, KPPS_WRITERS)
    visit = roll.visit
    for voter in roll.voters:
        voter.extra["nik_shown"] = show_nik(request.user, voter.nik)
    now = polling_service.local_now()
    visit_form = None
    if can_record:
        visit_form = KskVisitForm(initial={
            "starts_at": visit.starts_at, "ends_at": visit.ends_at, "officers": visit.officers,
            "note": visit.note, "version": visit.version,
        })
    return render(request, "voters/kpps/ksk.html", {
        "tps": tps,
        "election": election,
        "roll": roll,
        "visit": visit,
        "counts": roll.counts,
        "visit_form": visit_form,
        "outcomes": KskVoter.Outcome.choices,
        "reasons": KskVoter.Reason.choices,
        "can_record": can_record,
        "polling_day": now.date() == election.polling_date,
        "state": polling_service.polling_state(election, now),
        "hours": polling_service.hours_text(election),
        "printed_at": now,
    })


@require_POST
@role_required(*KPPS_WRITERS)
def ksk_visit_save(request, pk):
    tps = scoped_tps(request, pk)
    back = reverse("ksk_visit", args=[tps.pk])
    form = KskVisitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Isi jam mulai dan jam selesai kunjungan sebagai JJ:MM."))
        return redirect(back)
    try:
        visit = ksk_service.save_visit(tps=tps, user=request.user, **form.cleaned_data)
    except (LetterError, StaleEdit) as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, _("Waktu kunjungan KSK disimpan: %(a)s–%(b)s.") % {
        "a": visit.starts_at.strftime("%H.%M"), "b": visit.ends_at.strftime("%H.%M")})
    return redirect(back)


@require_POST
@role_required(*KPPS_WRITERS)
def ksk_voter_mark(request, pk):
    tps = scoped_tps(request, pk)
    form = KskVoterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Isian kunjungan KSK tidak lengkap: pilih hasilnya."))
        return redirect("ksk_visit", pk=tps.pk)
    back = reverse("ksk_visit", args=[tps.pk])
    try:
        record = ksk_service.record_ksk_voter(tps=tps, user=request.user, **form.cleaned_data)
    except (LetterError, StaleEdit) as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, _("%(name)s: %(outcome)s.") % {
        "name": record.nama, "outcome": record.get_outcome_display().lower()})
    return redirect(f"{back}#ksk-{record.pk}")
