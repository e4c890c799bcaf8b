"""The regency page (issue 16): the doors onto voters/reconciliation/region.py."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from voters.core import storage
from voters.core.access import Role, has_role, role_required
from voters.reconciliation import region
from voters.reconciliation.exports import EXPORTS
from voters.reconciliation.selectors import current_election

REGENCY_ROLES = (Role.KPU, Role.OBSERVER, Role.ADMIN)
LIAISONS = (Role.KPU, Role.ADMIN)  # who exports and runs for every facility


@role_required(*REGENCY_ROLES)
def regency(request):
    election = current_election(request.user, request.GET.get("pemilihan"))
    context = {"election": election, "exports": EXPORTS,
               "can_act": has_role(request.user, LIAISONS)}
    if election is not None:
        context.update(region.overview(request.user, election))
        context.update(region.cases(request.user, election))
    return render(request, "voters/reconciliation/regency.html", context)


@role_required(*LIAISONS)
def regency_export(request, kind, fmt):
    election = current_election(request.user, request.GET.get("pemilihan"))
    if election is None or kind not in EXPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    path = storage.new_path("exports", f".{fmt}")
    region.export_latest(user=request.user, election=election, kind=kind, fmt=fmt, path=path)
    scope = request.user.region_code.replace(".", "") or "semua"
    name = f"{kind}-{election.code}-wilayah-{scope}-{timezone.localdate():%Y%m%d}.{fmt}"
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name)
    path.unlink()  # the open handle keeps the data until the response is sent
    return response


@require_POST
@role_required(*LIAISONS)
def regency_run_all(request):
    election = current_election(request.user, request.POST.get("pemilihan"))
    if election is None:
        raise Http404
    started = region.schedule_all(user=request.user, election=election)
    messages.info(request, _("Rekonsiliasi dijalankan untuk %(n)s UPT; halaman ini memuat "
                             "hasilnya setelah selesai.") % {"n": started})
    return redirect(f"{reverse('regency')}?pemilihan={election.code}")
