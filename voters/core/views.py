"""Home pages per role, elections and TPS, job progress, and the error pages."""

from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from voters import dashboard
from voters.core import audit
from voters.core.access import (
    ALL_ROLES,
    FACILITY_SESSION_KEY,
    READERS,
    Role,
    role_required,
)
from voters.core.jobs import sweep_if_due
from voters.core.middleware import passive
from voters.core.panels import home_panels
from voters.core.params import local_url
from voters.models import TPS, Election, ImportBatch, LetterBatch, ReconciliationRun
from voters.reconciliation.selectors import user_elections

# Job rows that have a progress bar, by the short name used in URLs.
JOB_MODELS = {"impor": ImportBatch, "rekonsiliasi": ReconciliationRun, "surat": LetterBatch}


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@role_required(*ALL_ROLES)
def home(request):
    user = request.user
    elections = user_elections(user)
    today = timezone.localdate()
    election_rows = [
        {
            "election": e,
            "deadlines": [
                {"code": code, "label": label, "date": date, "days": (date - today).days}
                for code, label, date in e.deadlines()
            ],
        }
        for e in elections
    ]
    context = {
        "elections": election_rows,
        "tps_list": user.visible_tps(),
        "panels": home_panels(request),
        "today": today,
        "dashboard": dashboard.for_request(request),
    }
    return render(request, "voters/home.html", context)


@role_required(*READERS, Role.KPPS)
def election_detail(request, code):
    election = get_object_or_404(Election, code=code)
    tps_list = request.user.tps_queryset().filter(election=election).select_related("facility")
    if not tps_list.exists() and not request.user.is_admin_role:
        raise Http404
    today = timezone.localdate()
    deadlines = [
        {"code": c, "label": label, "date": d, "days": (d - today).days}
        for c, label, d in election.deadlines()
    ]
    return render(
        request,
        "voters/election_detail.html",
        {"election": election, "tps_list": tps_list, "deadlines": deadlines},
    )


@require_POST
@role_required(*READERS)
def choose_facility(request):
    """The top bar's facility picker for a user who sees several facilities."""
    if not request.user.is_regional:
        raise Http404
    facility = get_object_or_404(request.user.facilities(), code=request.POST.get("upt", ""))
    request.session[FACILITY_SESSION_KEY] = facility.code
    request.__dict__.pop("_current_facility", None)
    return redirect(local_url(request, request.POST.get("next")) or "home")


def scoped_job(request, key, pk):
    """A job row the user may see: its facility must be one of theirs."""
    model = JOB_MODELS.get(key)
    if model is None:
        raise Http404
    job = get_object_or_404(model, pk=pk)
    facility_id = getattr(job, "facility_for_access", None)
    allowed = request.user.facilities().values_list("pk", flat=True)
    if facility_id is None:
        if not request.user.is_admin_role and job.created_by_id != request.user.pk:
            raise Http404
    elif facility_id not in allowed:
        raise Http404
    tps_id = getattr(job, "tps_id", None)
    if tps_id and not request.user.tps_queryset().filter(pk=tps_id).exists():
        raise Http404  # a KPPS officer sees only the jobs of their own TPS
    return job


@passive
@require_GET
@role_required(*ALL_ROLES)
def job_progress(request, key, pk):
    job = scoped_job(request, key, pk)
    # A job whose heartbeat stopped is swept now (sent again once, or failed): without a beat
    # (the embedded default) nothing else would take it back (voters/core/jobs.py).
    sweep_if_due(job)
    return JsonResponse(job.progress_json())


@require_GET
def health(request):
    """For load balancers and container health checks: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def forbidden(request, exception=None):
    audit.note_refusal(request=request)
    return render(request, "403.html", status=403)


def tps_for_user(request, pk):
    return get_object_or_404(request.user.tps_queryset(), pk=pk)


__all__ = ["TPS", "election_detail", "forbidden", "home", "job_progress", "tps_for_user"]
