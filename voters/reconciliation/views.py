"""Reconciliation pages: runs with a progress bar, items, changes, the review queue, exports."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from voters.core import storage
from voters.core.access import READERS, STAFF, current_facility, role_required
from voters.core.params import TABLE_ROWS
from voters.models import ListEntry
from voters.reconciliation import services as service
from voters.reconciliation.exports import EXPORTS, write_export
from voters.reconciliation.models import (
    CATEGORY_ACTIONS,
    REVIEW,
    Category,
    ReconciliationItem,
    ReconciliationRun,
    ReviewDecision,
)
from voters.reconciliation.selectors import current_election


def _runs(request):
    return ReconciliationRun.objects.filter(facility__in=request.user.facilities())


def _scoped_run(request, pk):
    return get_object_or_404(_runs(request).select_related("election", "facility"), pk=pk)


@role_required(*READERS)
def overview(request):
    election = current_election(request.user, request.GET.get("pemilihan"))
    facility = current_facility(request)
    if election is None or facility is None:
        return render(request, "voters/reconciliation/overview.html", {"election": election})
    latest = service.latest_run(election, facility)
    active = (_runs(request).filter(election=election, facility=facility,
                                    status__in=["queued", "running"]).order_by("-pk").first())
    categories = [
        {"code": c.value, "label": c.label, "action": CATEGORY_ACTIONS[c],
         "count": (latest.counts or {}).get(c.value, 0) if latest else 0}
        for c in Category
    ]
    return render(request, "voters/reconciliation/overview.html", {
        "election": election, "latest": latest, "active": active, "categories": categories,
        "history": _runs(request).filter(election=election, facility=facility)
        .order_by("-created_at")[:10],
        "review_count": (latest.items.filter(category__in=REVIEW).count() if latest else 0),
        "exports": EXPORTS, "can_run": request.user.role in STAFF or request.user.is_superuser,
    })


@require_POST
@role_required(*STAFF)
def start(request):
    election = current_election(request.user, request.POST.get("pemilihan"))
    facility = current_facility(request)
    if election is None or facility is None:
        raise Http404
    try:
        run = service.start_manual_run(election=election, facility=facility, user=request.user)
    except service.RunInProgress as busy:
        messages.info(request, _("Rekonsiliasi sedang berjalan; tunggu sampai selesai."))
        return redirect("reconciliation_run", pk=busy.run.pk)
    return redirect("reconciliation_run", pk=run.pk)


@role_required(*READERS)
def run_detail(request, pk):
    run = _scoped_run(request, pk)
    category = request.GET.get("kategori", "")
    tindakan = request.GET.get("tindakan", "")
    # What the table shows: no inmate row (its id is enough for the link) and none of the
    # JSON the exports read (candidates, reference finding, entry ids).
    items = run.items.defer("candidates", "ref", "entry_ids").order_by("position")
    if category:
        items = items.filter(category=category)
    if tindakan:
        items = items.filter(tindakan=tindakan)
    page = Paginator(items, TABLE_ROWS).get_page(request.GET.get("hal"))
    query = request.GET.copy()
    query.pop("hal", None)
    finished = run.status == run.Status.DONE
    return render(request, "voters/reconciliation/run.html", {
        "run": run, "page": page, "category": category, "tindakan": tindakan,
        "query": query.urlencode(),
        "categories": [(c.value, c.label, (run.counts or {}).get(c.value, 0)) for c in Category],
        "to_do": service.to_do(run) if finished else [],
        "capacity": service.capacity_check(run) if finished else None,
        "changes": service.change_rows(run) if finished else [],
        "exports": EXPORTS,
        "can_export": request.user.role in STAFF or request.user.is_superuser,
    })


@role_required(*STAFF)
def review_queue(request):
    election = current_election(request.user, request.GET.get("pemilihan"))
    facility = current_facility(request)
    latest = service.latest_run(election, facility) if election and facility else None
    items = list(latest.items.filter(category__in=REVIEW).select_related("inmate")
                 .order_by("category", "position")) if latest else []
    entry_ids = {int(e) for item in items for e in item.entry_ids}
    entries = ListEntry.objects.filter(pk__in=entry_ids).select_related("voter_list",
                                                                          "voter_list__tps")
    entries = {e.pk: e for e in entries}
    for item in items:
        item.entries = [entries[int(e)] for e in item.entry_ids if int(e) in entries]
    decisions = ReviewDecision.objects.filter(
        facility=facility, election=election).select_related("inmate", "decided_by")[:50] \
        if election and facility else []
    return render(request, "voters/reconciliation/review.html", {
        "election": election, "run": latest, "items": items, "decisions": decisions,
    })


@require_POST
@role_required(*STAFF)
def decide(request, pk):
    item = get_object_or_404(
        ReconciliationItem.objects.filter(run__facility__in=request.user.facilities())
        .select_related("run", "run__election", "run__facility"), pk=pk)
    verdict = request.POST.get("verdict")
    if verdict not in ReviewDecision.Verdict.values:
        messages.error(request, _("Pilih: orang yang sama, atau bukan."))
        return redirect("reconciliation_review")
    entry_id = request.POST.get("entry") or None
    try:
        # Records the decision and queues a new run after commit, or neither (AlreadyDecided).
        service.decide(item=item, verdict=verdict, user=request.user,
                       note=request.POST.get("note", "")[:500],
                       entry_id=int(entry_id) if entry_id else None)
    except service.AlreadyDecided as exc:
        messages.warning(request, _already_decided(exc.decision))
        return redirect("reconciliation_review")
    except (ValueError, LookupError) as exc:
        messages.error(request, str(exc))
        return redirect("reconciliation_review")
    messages.success(request, _("Keputusan dicatat; rekonsiliasi dijalankan ulang."))
    return redirect("reconciliation_review")


def _already_decided(decision):
    if decision is None:
        return _("Butir ini sudah diputuskan orang lain pada saat yang sama; keputusan Anda "
                 "tidak dicatat. Muat ulang halaman untuk melihatnya.")
    return _("Butir ini sudah diputuskan (%(verdict)s) oleh %(who)s pada %(when)s; keputusan "
             "Anda tidak dicatat dan rekonsiliasi tidak dijalankan ulang.") % {
        "verdict": decision.get_verdict_display(),
        "who": decision.decided_by.username if decision.decided_by else "-",
        "when": f"{timezone.localtime(decision.decided_at):%d-%m-%Y %H:%M}",
    }


@role_required(*STAFF)
def export(request, pk, kind, fmt):
    run = _scoped_run(request, pk)
    if kind not in EXPORTS or fmt not in ("csv", "xlsx") or run.status != run.Status.DONE:
        raise Http404
    path = storage.new_path("exports", f".{fmt}")
    write_export(run=run, kind=kind, fmt=fmt, path=path, user=request.user, request=request)
    name = f"{kind}-{run.election.code}-{run.facility.code}-{run.today:%Y%m%d}.{fmt}"
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name)
    path.unlink()  # the open handle keeps the data until the response is sent
    return response
