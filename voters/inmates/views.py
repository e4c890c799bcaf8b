"""The roster: inmates, their timeline, NIK work lists, SDP imports and the Dukcapil round trip."""

from itertools import chain

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from voters.core import searches
from voters.core.access import READERS, STAFF, Role, current_facility, role_required
from voters.core.jobs import is_previewing
from voters.core.params import TABLE_ROWS, local_url
from voters.inmates import dukcapil as dukcapil_service
from voters.inmates import eligibility
from voters.inmates.forms import (
    CustodyEventForm,
    DukcapilRequestForm,
    NikStatusForm,
    RosterFilterForm,
    UploadForm,
)
from voters.inmates.services import (
    ConfirmRefused,
    TransitionRefused,
    change_nik_status,
    confirm_roster_import,
    export_import_errors,
    record_custody_event,
    start_roster_preview,
)
from voters.inmates.transfers import inmate_cases
from voters.models import DukcapilRequest, ImportBatch, Inmate, NikStatus
from voters.reconciliation.selectors import (
    UNUSED_INMATE_FIELDS,
    current_election,
    ineligibility,
    tms_table,
)

OPERATORS = (Role.OPERATOR, Role.ADMIN)
PAGE_SIZE = TABLE_ROWS


def scoped_inmates(request):
    return Inmate.objects.for_user(request.user)


def _facility(request):
    """The facility a write goes to: the user's own (an admin without one cannot import)."""
    facility = current_facility(request)
    if facility is None:
        raise Http404
    return facility


def with_nik_status_labels(inmates):
    """Each inmate's NIK status label as ``nik_status_label``, translated once per page:
    get_nik_status_display() per row hashes lazy labels, which cost more than the rest of the
    row (bench/README.md "Pages under load")."""
    labels = {value: str(label) for value, label in NikStatus.choices}
    for inmate in inmates:
        inmate.nik_status_label = labels.get(inmate.nik_status, inmate.nik_status)
    return inmates


@require_http_methods(["GET", "POST"])
@role_required(*READERS)
def inmate_list(request):
    qs = scoped_inmates(request)
    election = current_election(request.user, request.GET.get("pemilihan"))
    today = timezone.localdate()
    polling = election.polling_date if election else today
    # The header's figures and the filter's blocks read the whole scope: cached per version of
    # its rosters (voters/inmates/eligibility.py), which the eligibility filter reuses.
    versions = eligibility.request_versions(request)  # the scope of qs, read once
    counts, blocks = eligibility.roster_header(
        qs, today=today, polling=polling if election else None, versions=versions
    )
    if request.method == "POST":
        # The search box can hold a NIK: it is POSTed and kept in the session (searches.py).
        posted = RosterFilterForm(request.POST, blocks=blocks)
        if posted.is_valid():
            params = {"pemilihan": request.GET.get("pemilihan", ""), **posted.cleaned_data}
            term = posted.cleaned_data["q"].strip()
            query = searches.query_with_term(request, params, term)
            return redirect(f"{reverse('inmate_list')}?{query}" if query else "inmate_list")
        form = posted
    else:
        data = searches.get_data_with_term(request)
        form = RosterFilterForm(data or None, blocks=blocks)
    narrowed = False  # whether a search or filter leaves out part of the scope
    if form.is_valid():
        data = form.cleaned_data
        narrowed = bool(data["q"] or data["custody"] or data["nik_status"] or data["blok"])
        if data["q"]:
            term = data["q"].strip()
            search = (
                Q(nama__icontains=term)
                | Q(no_registrasi__icontains=term)
                | Q(aliases__icontains=term)
            )
            if request.user.sees_full_nik and term.replace(" ", "").isdigit():
                search |= Q(nik__startswith=term.replace(" ", ""))
            qs = qs.filter(search)
        custody = data["custody"]
        if custody == "inside":
            qs = qs.inside_on(today)
        elif custody == "expected":
            qs = qs.expected_inside_on(polling)
        elif custody == "leaving":
            qs = qs.inside_on(today).exclude(pk__in=Inmate.objects.expected_inside_on(polling))
        elif custody == "left":
            qs = qs.filter(tanggal_keluar__lte=today)
        if data["nik_status"]:
            qs = qs.filter(nik_status=data["nik_status"])
        if data["blok"]:
            qs = qs.filter(blok=data["blok"])
    qs = qs.order_by("nama", "no_registrasi", "pk").defer(*UNUSED_INMATE_FIELDS)
    table = tms_table()

    def annotate(inmates):
        for inmate in inmates:
            inmate.tms = ineligibility(inmate, election, table) if election else []
            inmate.expected_inside = inmate.is_expected_inside_on(polling)
        return with_nik_status_labels(inmates)

    if form.is_valid() and form.cleaned_data["eligibility"] and election:
        # Eligibility is a Python rule (rules.eligibility.tms_reasons); its verdicts on the scope's
        # inmates are cached per roster version (voters/inmates/eligibility.py), so the database
        # filters on the ids of those who may not vote.
        barred = eligibility.ineligible_ids(scoped_inmates(request), election, versions)
        narrowed = True
        if form.cleaned_data["eligibility"] == "yes":
            qs = qs.exclude(pk__in=barred)
        else:
            qs = qs.filter(pk__in=barred)
    counts.setdefault("expected", None)
    # What the table shows is a function of the scope's rosters (their versions), what was
    # asked (filters, search, page), the day, the election, the TMS reasons' labels, the
    # language and whether the user sees full NIKs: the page keeps the number of rows and
    # each page's rows as HTML under it, and reads and judges the page's inmates only when
    # they are not kept (a third of the page's time, issue 19 item 7).
    shown = eligibility.scope_key("roster-page", versions, (
        sorted(form.cleaned_data.items()) if form.is_valid() else request.GET.urlencode(),
        narrowed, today, PAGE_SIZE, election and eligibility.field_values(election),
        sorted(table.items()),
        get_language(), get_current_timezone_name(), bool(request.user.sees_full_nik)))
    # The database pages the list and only the page's inmates are judged.
    paginator = Paginator(qs, PAGE_SIZE)
    if not narrowed:
        # The whole scope: the header's total is the list's length, no second COUNT over
        # every inmate of the scope (a regency's 15,000 for its KPU liaison).
        paginator.count = counts["total"]
    else:
        paginator.count = cache.get_or_set(f"{shown}:count", lambda: qs.count(),
                                           eligibility.TTL)
    page = paginator.get_page(request.GET.get("hal"))
    rows = page.object_list
    page.object_list = SimpleLazyObject(lambda: annotate(list(rows)))
    counts["shown"] = page.paginator.count
    query = request.GET.copy()
    query.pop("hal", None)
    query.pop("q", None)
    return render(
        request,
        "voters/roster/list.html",
        {
            "form": form,
            "page": page,
            "counts": counts,
            "election": election,
            "query": query.urlencode(),
            "today": today,
            "rows_signature": f"{shown}:{page.number}",
        },
    )


@role_required(*READERS)
def inmate_detail(request, pk):
    inmate = get_object_or_404(scoped_inmates(request).select_related("facility"), pk=pk)
    election = current_election(request.user, request.GET.get("pemilihan"))
    events = inmate.custody_events.select_related("created_by")
    transitions = inmate.nik_transitions.select_related("by")
    timeline = sorted(
        chain(
            (
                {
                    "when": e.date,
                    "kind": "custody",
                    "label": e.get_kind_display(),
                    "detail": " ".join(x for x in (e.detail, e.reference) if x),
                    "by": e.created_by,
                }
                for e in events
            ),
            (
                {
                    "when": timezone.localtime(t.at).date(),
                    "kind": "nik",
                    "label": f"{NikStatus(t.from_status).label} → {NikStatus(t.to_status).label}",
                    "detail": t.evidence,
                    "by": t.by,
                }
                for t in transitions
            ),
        ),
        key=lambda item: item["when"],
    )
    can_edit = request.user.role in OPERATORS or request.user.is_superuser
    # A move between facilities of the regency, or custody overlapping another's (issue 16).
    cases = inmate_cases(inmate, election)
    context = {
        "inmate": inmate,
        "moves": cases.moves,
        "overlaps": cases.overlaps,
        "timeline": timeline,
        "election": election,
        "tms": ineligibility(inmate, election) if election else [],
        "expected_inside": (
            inmate.is_expected_inside_on(election.polling_date) if election else None
        ),
        "order_ends": inmate.order_ends_by(election.polling_date) if election else False,
        "can_edit": can_edit,
        "nik_form": NikStatusForm(
            initial={"version": inmate.version, "to_status": inmate.nik_status}
        ),
        "event_form": CustodyEventForm(
            initial={"version": inmate.version, "date": timezone.localdate()}
        ),
    }
    return render(request, "voters/roster/detail.html", context)


@require_POST
@role_required(*OPERATORS)
def inmate_nik_status(request, pk):
    inmate = get_object_or_404(scoped_inmates(request), pk=pk)
    form = NikStatusForm(request.POST)
    if form.is_valid():
        try:
            change_nik_status(
                inmate=inmate,
                to_status=form.cleaned_data["to_status"],
                user=request.user,
                evidence=form.cleaned_data["evidence"],
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("Status NIK diperbarui."))
        except TransitionRefused as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Isi status baru dan buktinya."))
    return redirect(inmate)


@require_POST
@role_required(*OPERATORS)
def inmate_event(request, pk):
    inmate = get_object_or_404(scoped_inmates(request), pk=pk)
    form = CustodyEventForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record_custody_event(
                inmate=inmate,
                kind=data["kind"],
                date=data["date"],
                user=request.user,
                detail=data["detail"],
                reference=data["reference"],
                expected_version=data["version"],
            )
            messages.success(request, _("Peristiwa dicatat."))
        except TransitionRefused as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Periksa isian peristiwa: jenis dan tanggal wajib diisi."))
    return redirect(inmate)


# -- NIK work lists -------------------------------------------------------------------------

WORKLIST_PAGE_SIZE = TABLE_ROWS
WORKLISTS = {
    "perekaman": (
        _("NIK perlu perekaman atau perbaikan"),
        _(
            "Semua WBP di dalam hari ini yang NIK-nya kosong atau tidak sah, atau yang dijawab "
            "Dukcapil tidak ditemukan/belum rekam. Rekonsiliasi (PEREKAMAN) menghitung hanya "
            "yang belum ada di daftar KPU."
        ),
    ),
    "menunggu": (_("Menunggu jawaban Dukcapil"), _("Sudah dikirim, belum ada jawaban.")),
    "tidak-cocok": (
        _("NIK tidak cocok dengan data"),
        _("Tanggal lahir atau jenis kelamin di NIK berbeda dengan catatan SDP."),
    ),
    "belum-dikirim": (
        _("NIK sah, belum diverifikasi"),
        _("Format sah, belum pernah dikirim ke Dukcapil."),
    ),
}


# Who is on each work list, among the inmates inside today.
WORKLIST_FILTERS = {
    "perekaman": Q(nik_format__in=["invalid", "blank"])
    | Q(
        nik_status__in=[
            NikStatus.NOT_FOUND,
            NikStatus.NOT_RECORDED,
            NikStatus.RECORDING_SCHEDULED,
            NikStatus.BIOMETRIC_NO_MATCH,
        ]
    ),
    "menunggu": Q(nik_status=NikStatus.SENT),
    "tidak-cocok": Q(nik_issues__icontains="birth_date_mismatch")
    | Q(nik_issues__icontains="sex_mismatch"),
    "belum-dikirim": Q(nik_status=NikStatus.FORMAT_VALID),
}


def worklist_queryset(request, key):
    if key not in WORKLIST_FILTERS:
        raise Http404
    return scoped_inmates(request).inside_on(timezone.localdate()).filter(WORKLIST_FILTERS[key])


def worklist_counts(request):
    """{work list: number of inmates on it}, in one aggregate query kept per roster version
    (``eligibility.by_roster``): the tabs show every list's count on every page."""
    scope = scoped_inmates(request)
    today = timezone.localdate()

    def compute():
        return scope.inside_on(today).order_by().aggregate(
            **{key.replace("-", "_"): Count("pk", filter=q) for key, q in WORKLIST_FILTERS.items()}
        )

    counts = eligibility.by_roster(
        scope, "worklists", compute, versions=eligibility.request_versions(request), parts=(today,)
    )
    return {key: counts[key.replace("-", "_")] for key in WORKLIST_FILTERS}


@role_required(*STAFF)
def nik_worklist(request, key="perekaman"):
    qs = worklist_queryset(request, key).order_by("blok", "nama", "pk")  # 404: no such list
    counts = worklist_counts(request)
    # Paged, so the page does not grow with the roster; "semua" below still sends everyone.
    paginator = Paginator(qs, WORKLIST_PAGE_SIZE)
    paginator.count = counts[key]  # the tab's count: no second COUNT over the roster
    page = paginator.get_page(request.GET.get("hal"))
    title, description = WORKLISTS[key]
    tabs = [
        {"key": k, "title": t, "count": counts[k], "active": k == key}
        for k, (t, _d) in WORKLISTS.items()
    ]
    return render(
        request,
        "voters/roster/worklist.html",
        {
            "inmates": with_nik_status_labels(list(page.object_list)),
            "page": page,
            "total": page.paginator.count,
            "title": title,
            "description": description,
            "tabs": tabs,
            "key": key,
            "requests": DukcapilRequest.objects.filter(
                facility__in=request.user.facilities()
            ).annotate(n=Count("inmates"))[:10],
            "can_request": request.user.role in OPERATORS or request.user.is_superuser,
        },
    )


def _back(request, fallback="nik_worklist"):
    """The posted ``next`` when it is a page of this site, else ``fallback`` (no open redirect
    to another host)."""
    return local_url(request, request.POST.get("next")) or reverse(fallback)


@require_POST
@role_required(*OPERATORS)
def dukcapil_request_create(request):
    facility = _facility(request)
    data = request.POST
    every = data.get("semua", "")
    if every in WORKLISTS:
        # Everyone on that work list, on every page of it, as it stands now.
        data = data.copy()
        data.setlist("inmates", [str(pk) for pk in worklist_queryset(request, every)
                                 .values_list("pk", flat=True)])
    form = DukcapilRequestForm(data, queryset=scoped_inmates(request))
    if not form.is_valid():
        messages.error(request, _("Pilih paling sedikit satu WBP untuk dikirim ke Dukcapil."))
        return redirect(_back(request))
    chosen = form.cleaned_data["inmates"]
    dukcapil_request = dukcapil_service.create_request(
        facility=facility,
        inmate_ids=[i.pk for i in chosen],
        user=request.user,
        reference=form.cleaned_data["reference"],
    )
    messages.success(
        request,
        _("Permintaan verifikasi dibuat untuk %(n)s WBP. Unduh berkasnya dan kirim ke Dukcapil.")
        % {"n": len(chosen)},
    )
    return redirect("dukcapil_request_detail", pk=dukcapil_request.pk)


def _scoped_request(request, pk):
    return get_object_or_404(
        DukcapilRequest.objects.filter(facility__in=request.user.facilities()), pk=pk
    )


@role_required(*STAFF)
def dukcapil_request_detail(request, pk):
    dukcapil_request = _scoped_request(request, pk)
    return render(
        request,
        "voters/roster/dukcapil_request.html",
        {
            "req": dukcapil_request,
            "inmates": dukcapil_request.inmates.order_by("nama"),
            "upload": UploadForm(),
        },
    )


@role_required(*STAFF)
def dukcapil_request_download(request, pk):
    dukcapil_request = _scoped_request(request, pk)
    path = dukcapil_service.hand_out_request_file(dukcapil_request=dukcapil_request,
                                                  request=request)
    if path is None:
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"permintaan-verifikasi-nik-{dukcapil_request.pk}.xlsx",
    )


@require_POST
@role_required(*OPERATORS)
def dukcapil_answer_upload(request):
    facility = _facility(request)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("file", [])))
        return redirect(_back(request))
    # Read and applied by a job, never in the request (SECURITY.md check 31).
    batch = dukcapil_service.start_answer_import(
        uploaded=form.cleaned_data["file"], facility=facility, user=request.user
    )
    return redirect("dukcapil_answer_result", pk=batch.pk)


@role_required(*OPERATORS)
def dukcapil_answer_result(request, pk):
    batch = scoped_upload(request, pk, ImportBatch.Kind.DUKCAPIL)
    return render(request, "voters/roster/dukcapil_answer.html", {"batch": batch})


# -- SDP import: upload, preview, confirm, result -----------------------------------------


@role_required(*OPERATORS)
def roster_import(request):
    facility = _facility(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # The file is read and checked by a job, never in the request (SECURITY.md check 31);
        # the preview page shows its progress, then the preview.
        batch = start_roster_preview(
            uploaded=form.cleaned_data["file"], facility=facility, user=request.user
        )
        return redirect("roster_import_preview", pk=batch.pk)
    recent = ImportBatch.objects.filter(
        kind=ImportBatch.Kind.INMATES, facility__in=request.user.facilities()
    )[:10]
    return render(request, "voters/roster/import.html", {"form": form, "recent": recent})


def scoped_upload(request, pk, kind):
    """An upload of ``kind`` (roster, staff, Dukcapil answers) to one of the user's facilities;
    any other is a 404."""
    return get_object_or_404(
        ImportBatch.objects.filter(kind=kind, facility__in=request.user.facilities()), pk=pk
    )


def _scoped_batch(request, pk):
    return scoped_upload(request, pk, ImportBatch.Kind.INMATES)


@role_required(*OPERATORS)
def roster_import_preview(request, pk):
    batch = _scoped_batch(request, pk)
    return render(
        request,
        "voters/roster/import_preview.html",
        {"batch": batch, "previewing": is_previewing(batch)},
    )


@require_POST
@role_required(*OPERATORS)
def roster_import_confirm(request, pk):
    batch = _scoped_batch(request, pk)
    try:
        confirm_roster_import(batch=batch)
    except ConfirmRefused as refused:
        messages.error(request, str(refused))
        if refused.upload_again:
            return redirect("roster_import")
    return redirect("roster_import_preview", pk=batch.pk)


@role_required(*OPERATORS)
def roster_import_errors(request, pk):
    batch = _scoped_batch(request, pk)
    data = export_import_errors(batch=batch, request=request)
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="galat-impor-{batch.pk}.csv"'
    return response
