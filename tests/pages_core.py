"""Foundation pages in the permission matrix."""

from django.urls import reverse
from matrix import ROLES, page

from voters.models import ImportBatch


def _job(world, facility):
    job = ImportBatch.objects.create(kind="inmates", facility=facility, file_name="x.csv")
    return reverse("job_progress", args=["impor", job.pk])


page("home", ROLES, lambda w: reverse("home"))
page("election_detail", ROLES, lambda w: reverse("election_detail", args=[w["election"].code]))
page(
    "job_progress",
    ROLES,
    lambda w: _job(w, w["blora"]),
    foreign_url=lambda w: _job(w, w["rembang"]),
)
page("admin_index", ("admin",), lambda w: reverse("admin:index"))
page("admin_users", ("admin",), lambda w: reverse("admin:voters_user_changelist"))
page("two_factor", ROLES, lambda w: reverse("two_factor"))
# The top bar's facility picker: only a user of several facilities may pick, and only one of
# theirs (tests/test_many_facilities.py); an empty POST is a 404 for everyone.
page("choose_facility", (), lambda w: reverse("choose_facility"), method="post")
