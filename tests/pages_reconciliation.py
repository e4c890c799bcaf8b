"""Reconciliation pages in the permission matrix (see matrix.py).

Roles: the overview and a run's items for the readers (observers see NIKs masked); starting a
run, the review queue, decisions and the exports for the staff roles. A run of another facility
is a 404 for everyone.
"""

import datetime as dt

from django.urls import reverse
from matrix import page

from voters.models import ReconciliationItem, ReconciliationRun
from voters.reconciliation.services import reconcile

READERS = ("operator", "kpu", "observer", "admin")
STAFF = ("operator", "kpu", "admin")


def done_run(world, facility_key):
    """The facility's latest finished run, made now when there is none."""
    facility = world[facility_key]
    run = (ReconciliationRun.objects.filter(facility=facility, status="done")
           .order_by("-pk").first())
    if run is None:
        run = reconcile(election=world["election"], facility=facility,
                        today=dt.date(2024, 11, 15))
    return run


def review_item(world, facility_key):
    run = done_run(world, facility_key)
    item = run.items.filter(category__in=["PERLU_PERIKSA", "GANDA"]).first()
    if item is None:
        item = ReconciliationItem.objects.create(
            run=run, position=run.items.count() + 1, category="PERLU_PERIKSA",
            key="entry:0", nama="PERLU DIPERIKSA")
    return item


def run_url(name, *extra):
    return lambda key: lambda w: reverse(name, args=[done_run(w, key).pk, *extra])


def own_and_foreign(factory):
    return {"url": factory("blora"), "foreign_url": factory("rembang")}


page("reconciliation", READERS, lambda w: reverse("reconciliation"))
page("reconciliation_start", STAFF, lambda w: reverse("reconciliation_start"), method="post",
     ok_status=(302,))
page("reconciliation_run", READERS, **own_and_foreign(run_url("reconciliation_run")))
# Every kind is guarded alike; test_exports.py walks all kinds and formats.
for _kind, _fmt in (("rekonsiliasi", "csv"), ("a-daftar-pemilih-loksus", "xlsx")):
    page(f"reconciliation_export_{_kind}_{_fmt}", STAFF,
         **own_and_foreign(run_url("reconciliation_export", _kind, _fmt)))
page("reconciliation_review", STAFF, lambda w: reverse("reconciliation_review"))
page(
    "reconciliation_decide",
    STAFF,
    method="post",
    ok_status=(302,),  # no verdict given: back to the queue with a message
    url=lambda w: reverse("reconciliation_decide", args=[review_item(w, "blora").pk]),
    foreign_url=lambda w: reverse("reconciliation_decide", args=[review_item(w, "rembang").pk]),
)

# The regency page (issue 16): the KPU liaison and observers; exports and runs for the liaison.
page("regency", ("kpu", "observer", "admin"), lambda w: reverse("regency"))
page("regency_export", ("kpu", "admin"),
     lambda w: reverse("regency_export", args=["rekonsiliasi", "csv"]))
page("regency_run_all", ("kpu", "admin"), lambda w: reverse("regency_run_all"), method="post",
     ok_status=(302,))
