"""KPU voter lists: each TPS's lists with counts, search and the Model A-Daftar Pemilih print;
the reference DPT search; uploads by the KPU liaison, run as jobs with a result page.

NIK and KK numbers are shown through ``access.show_nik``: in full for the staff roles, masked
for observers and KPPS (KPPS see full NIKs only on their own TPS's letters). Those roles also
see birth dates without day and month. Searches are POSTed, so that no NIK ends up in a URL,
a browser history or an access log.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from voters.core.access import (
    READERS,
    STAFF,
    Role,
    has_role,
    nik_search_digits,
    role_required,
    show_nik,
)
from voters.core.middleware import capped_upload
from voters.core.params import TABLE_ROWS
from voters.core.views import scoped_job
from voters.letters import pdf as letters
from voters.lists import services as list_service
from voters.lists.forms import (
    ListSearchForm,
    ReferenceUploadForm,
    VoterListUploadForm,
    reference_search_form,
)
from voters.lists.models import DISABILITY_LABELS, LIST_KIND_ORDER
from voters.models import (
    ImportBatch,
    ReferenceDPT,
    VoterList,
)
from voters.reconciliation.selectors import current_election, elections_for
from voters.rules import wilayah
from voters.rules.eligibility import age_on
from voters.rules.lists import over_capacity
from voters.rules.nik import mask_numbers

LIST_READERS = (*READERS, Role.KPPS)
UPLOADERS = (Role.KPU,)  # and admins, as everywhere
LIST_IMPORTS = (
    ImportBatch.Kind.VOTER_LIST,
    ImportBatch.Kind.REFERENCE_DPT,
    ImportBatch.Kind.DAPIL,
)
PAGE_SIZE = TABLE_ROWS
SEARCH_LIMIT = 200


# -- display helpers -----------------------------------------------------------------------


def birth_for(user, day):
    """A birth date as this user may see it: whole for the staff roles, the year for others."""
    if day is None:
        return ""
    if user.sees_full_nik:
        return day.strftime("%d-%m-%Y")
    return f"**-**-{day.year}"


def _entry_row(entry, user, polling_date):
    return {
        "entry": entry,
        "nik": show_nik(user, entry.nik),
        "nkk": show_nik(user, entry.nkk),
        "born": birth_for(user, entry.tanggal_lahir),
        "age": age_on(entry.tanggal_lahir, polling_date),
    }


def _mask_echo(form, field, user):
    """A search box shows back what was typed; for the masked roles, never a whole NIK. The
    form is validated first, so its errors stay those of what was typed."""
    if form.is_bound and not user.sees_full_nik:
        form.is_valid()
        data = form.data.copy()
        data[field] = mask_numbers(data.get(field, ""))
        form.data = data


def _scoped_list(request, pk):
    return get_object_or_404(
        VoterList.objects.for_user(request.user).select_related(
            "tps", "tps__facility", "election", "imported_by"
        ),
        pk=pk,
    )


def _list_counts(entries):
    totals = entries.aggregate(
        total=Count("pk"),
        men=Count("pk", filter=Q(jenis_kelamin="L")),
        women=Count("pk", filter=Q(jenis_kelamin="P")),
        disabled=Count("pk", filter=Q(disabilitas__isnull=False)),
        masked=Count("pk", filter=Q(nik_format="masked")),
        invalid=Count("pk", filter=Q(nik_format__in=["invalid", "blank"])),
    )
    by_code = dict(
        entries.filter(disabilitas__isnull=False)
        .values_list("disabilitas")
        .annotate(n=Count("pk"))
        .values_list("disabilitas", "n")
    )
    totals["disability"] = [
        (code, label, by_code.get(code, 0)) for code, label in DISABILITY_LABELS.items()
    ]
    return totals


# -- uploads: capped before anything is parsed (voters/core/middleware.py) ------------------


def _too_large(request, form):
    handler = getattr(request, "capped_upload", None)
    if handler is not None and handler.exceeded:
        form.errors.pop("file", None)
        form.add_error(
            "file",
            _("Berkas terlalu besar; batasnya %(max)s MB.")
            % {"max": round(handler.limit / 1048576, 1)},
        )
        return True
    return False


# -- pages -----------------------------------------------------------------------------------


@role_required(*LIST_READERS)
def voter_lists(request):
    user = request.user
    tps_list = list(
        user.tps_queryset()
        .select_related("election", "facility")
        .order_by("-election__polling_date", "number")
    )
    by_tps = {}
    for voter_list in VoterList.objects.filter(tps__in=[t.pk for t in tps_list]):
        by_tps.setdefault(voter_list.tps_id, []).append(voter_list)
    rows = []
    for tps in tps_list:
        kept = sorted(by_tps.get(tps.pk, []), key=lambda v: LIST_KIND_ORDER[v.kind])
        rows.append(
            {
                "tps": tps,
                "lists": kept,
                "total": (total := sum(v.row_count for v in kept)),
                "over": over_capacity(tps.capacity, total),
                "men": sum(v.counts.get("sex", {}).get("L", 0) for v in kept),
                "women": sum(v.counts.get("sex", {}).get("P", 0) for v in kept),
            }
        )
    references = []
    if has_role(user, READERS):
        for election in elections_for(user).order_by("-polling_date"):
            references.append(
                {"election": election, "reference": list_service.active_reference(election)}
            )
    batches = []
    if has_role(user, STAFF):
        batches = (
            ImportBatch.objects.filter(kind__in=LIST_IMPORTS)
            .filter(
                Q(tps__in=[t.pk for t in tps_list])
                | Q(tps__isnull=True, facility__in=user.facilities())
                | Q(tps__isnull=True, facility__isnull=True, created_by=user)
            )
            .select_related("tps", "election")
            .order_by("-created_at")[:10]
        )
    return render(
        request,
        "voters/lists/index.html",
        {
            "rows": rows,
            "references": references,
            "batches": batches,
            "can_upload": has_role(user, UPLOADERS),
        },
    )


@role_required(*LIST_READERS)
def voter_list_detail(request, pk):
    voter_list = _scoped_list(request, pk)
    entries = voter_list.entries.all()
    counts = _list_counts(entries)
    form = ListSearchForm(request.POST or None)
    page = None
    searched = refused = False
    if request.method == "POST" and form.is_valid() and form.cleaned_data["q"]:
        searched = True
        query = form.cleaned_data["q"].strip()
        digits = query.replace(" ", "")
        if digits.isdigit() and len(digits) >= 6:
            allowed = nik_search_digits(request.user, digits)
            if allowed is None:
                found = entries.none()
                refused = True
            else:
                found = entries.filter(nik__startswith=allowed)
        else:
            found = entries.filter(nama__icontains=query)
        shown = list(found.order_by("position")[:SEARCH_LIMIT])
        _mask_echo(form, "q", request.user)
    else:
        page = Paginator(entries.order_by("position"), PAGE_SIZE).get_page(request.GET.get("page"))
        shown = page.object_list
    polling = voter_list.election.polling_date
    return render(
        request,
        "voters/lists/detail.html",
        {
            "voter_list": voter_list,
            "counts": counts,
            "form": form,
            "page": page,
            "searched": searched,
            "rows": [_entry_row(entry, request.user, polling) for entry in shown],
            "search_limit": SEARCH_LIMIT,
            "masked": not request.user.sees_full_nik,
            "nik_refused": refused,
        },
    )


@role_required(*LIST_READERS)
def voter_list_pdf(request, pk):
    voter_list = _scoped_list(request, pk)
    user = request.user
    election = voter_list.election
    entries = list(voter_list.entries.order_by("position"))
    rendered = letters.render_template(
        "voters/lists/model_a.html",
        {
            "voter_list": voter_list,
            "election": election,
            "tps": voter_list.tps,
            "facility": voter_list.tps.facility,
            "place": _place(voter_list.tps),
            "rows": [_entry_row(entry, user, election.polling_date) for entry in entries],
            "counts": _list_counts(voter_list.entries.all()),
            "masked": not user.sees_full_nik,
            "printed_by": user.get_full_name() or user.get_username(),
        },
    )
    list_service.record_model_a_print(
        voter_list=voter_list,
        request=request,
        pages=rendered.pages,
        pdf=rendered.pdf,
        row_count=len(entries),
        masked=not user.sees_full_nik,
    )
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    name = f"model-a-{voter_list.kind.lower()}-tps{voter_list.tps.number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _place(tps):
    """Kelurahan/desa and kecamatan of the TPS, from the facility's region code when it is
    given to that level (a rutan is usually registered at kabupaten level only)."""
    code = tps.facility.region_code
    return {
        "kelurahan": wilayah.name(code) if wilayah.level(code) == 4 else "",
        "kecamatan": wilayah.name(wilayah.district_of(code)) if wilayah.level(code) >= 3 else "",
        "kabupaten": wilayah.name(wilayah.regency_of(code)) or "",
    }


@role_required(*READERS)
def reference_dpt(request, code=None):
    user = request.user
    election = get_object_or_404(elections_for(user), code=code) if code else current_election(user)
    if election is None:
        return render(request, "voters/lists/reference.html", {"election": None})
    reference = list_service.active_reference(election)
    form = reference_search_form(user, request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid() and reference is not None:
        data = form.cleaned_data
        found = list_service.search_reference(
            reference,
            nik=data.get("nik", ""),
            nama=data["nama"],
            tanggal_lahir=data.get("tanggal_lahir"),
            tahun_lahir=data.get("tahun_lahir"),
        )
        results = [_entry_row(entry, user, election.polling_date) for entry in found]
    history = ReferenceDPT.objects.filter(election=election).select_related("imported_by")[:5]
    return render(
        request,
        "voters/lists/reference.html",
        {
            "election": election,
            "elections": elections_for(user).order_by("-polling_date"),
            "reference": reference,
            "history": history,
            "form": form,
            "results": results,
            "can_upload": has_role(user, UPLOADERS),
        },
    )


def _upload_page(request, form, *, limit, title, intro, job):
    """A KPU list's upload page: a file over ``limit`` is refused (413) without reading the
    form; a valid form stores the file and starts its import job (``job`` gives start_import
    the kind, election and TPS from the form's data), whose result page follows."""
    too_large = False
    if request.method == "POST":
        too_large = _too_large(request, form)
        if not too_large and form.is_valid():
            batch = list_service.start_import(
                uploaded=form.cleaned_data["file"], user=request.user, **job(form.cleaned_data)
            )
            return redirect("list_import_result", pk=batch.pk)
    return render(
        request,
        "voters/lists/upload.html",
        {"form": form, "title": title, "limit_mb": round(limit / 1048576, 1), "intro": intro},
        status=413 if too_large else 200,
    )


@role_required(*UPLOADERS)
@capped_upload("MAX_UPLOAD_BYTES")
def voter_list_upload(request):
    return _upload_page(
        request,
        VoterListUploadForm(request.POST or None, request.FILES or None, user=request.user),
        limit=settings.MAX_UPLOAD_BYTES,
        title=_("Unggah daftar pemilih TPS"),
        intro=_(
            "DPT, DPTb atau DPK satu TPS dari KPU (.csv atau .xlsx). Daftar yang sudah ada "
            "diganti utuh; satu baris yang salah membuat seluruh berkas ditolak dan daftar "
            "lama tetap berlaku."
        ),
        job=lambda data: {
            "kind": ImportBatch.Kind.VOTER_LIST,
            "election": data["tps"].election,
            "tps": data["tps"],
            "list_kind": data["kind"],
        },
    )


@role_required(*UPLOADERS)
@capped_upload("MAX_REFERENCE_UPLOAD_BYTES")
def reference_upload(request):
    return _upload_page(
        request,
        ReferenceUploadForm(request.POST or None, request.FILES or None, user=request.user),
        limit=settings.MAX_REFERENCE_UPLOAD_BYTES,
        title=_("Unggah DPT rujukan kabupaten/kota"),
        intro=_(
            "DPT seluruh kabupaten/kota dari KPU (.csv atau .xlsx; CSV lebih cepat untuk "
            "berkas besar). Dipakai untuk menemukan tempat WBP baru terdaftar. DPT rujukan "
            "yang berlaku diganti setelah seluruh berkas terbaca tanpa kesalahan."
        ),
        job=lambda data: {"kind": ImportBatch.Kind.REFERENCE_DPT, "election": data["election"]},
    )


@role_required(*STAFF)
def list_import_result(request, pk):
    batch = scoped_job(request, "impor", pk)
    if batch.kind not in LIST_IMPORTS:
        raise Http404
    summary = batch.summary or {}
    target = None
    if batch.status == ImportBatch.Status.DONE:
        if batch.kind == ImportBatch.Kind.VOTER_LIST:
            voter_list = VoterList.objects.filter(tps=batch.tps, kind=batch.list_kind).first()
            if voter_list is not None:
                target = (reverse("voter_list_detail", args=[voter_list.pk]), _("Lihat daftar"))
        elif batch.kind == ImportBatch.Kind.REFERENCE_DPT:
            target = (
                reverse("reference_dpt_election", args=[batch.election.code]),
                _("Cari di DPT rujukan"),
            )
    disability = summary.get("disabilitas", {})
    return render(
        request,
        "voters/lists/result.html",
        {
            "batch": batch,
            "summary": summary,
            "sex": summary.get("sex", {}),
            "nik": summary.get("nik", {}),
            "disability": [
                (code, label, disability.get(str(code), 0))
                for code, label in DISABILITY_LABELS.items()
            ],
            "row_errors": batch.row_errors,
            # Rows rejected, or the file's own errors when it was refused before any row.
            "error_count": max(summary.get("rows_rejected") or 0, len(batch.row_errors or [])),
            "target": target,
        },
    )


def lists_panel(request):
    user = request.user
    if not has_role(user, (Role.KPU, Role.OPERATOR)):
        return []
    # The lists, their voters and the masked NIKs among them in one query.
    totals = VoterList.objects.for_user(user).aggregate(
        lists=Count("pk", distinct=True), voters=Count("entries"),
        masked=Count("entries", filter=Q(entries__nik_format="masked")),
    )
    election = current_election(user)
    reference = list_service.active_reference(election) if election else None
    items = [
        (_("Daftar TPS yang dimuat"), totals["lists"], None),
        (_("Pemilih pada daftar TPS"), totals["voters"], None),
        (_("NIK tersamar pada daftar TPS"), totals["masked"], None),
        (_("DPT rujukan"), reference.row_count if reference else _("belum ada"), None),
    ]
    return [
        {
            "title": _("Daftar pemilih KPU"),
            "items": items,
            "url": reverse("voter_lists"),
            "link_label": _("Buka daftar pemilih"),
        }
    ]
