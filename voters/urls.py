from django.urls import path

from . import navigation
from .access import ALL_ROLES, READERS, STAFF, Role
from .views import core, roster

navigation.add("home", "Beranda", ALL_ROLES, order=0)
navigation.add("inmate_list", "WBP", READERS, order=10)
navigation.add("nik_worklist", "NIK & Dukcapil", STAFF, order=20)
navigation.add("roster_import", "Impor SDP", (Role.OPERATOR,), order=25)

urlpatterns = [
    path("", core.home, name="home"),
    path("pemilihan/<slug:code>/", core.election_detail, name="election_detail"),
    path("pekerjaan/<slug:key>/<int:pk>/", core.job_progress, name="job_progress"),
    path("wbp/", roster.inmate_list, name="inmate_list"),
    path("wbp/<int:pk>/", roster.inmate_detail, name="inmate_detail"),
    path("wbp/<int:pk>/status-nik/", roster.inmate_nik_status, name="inmate_nik_status"),
    path("wbp/<int:pk>/peristiwa/", roster.inmate_event, name="inmate_event"),
    path("wbp/impor/", roster.roster_import, name="roster_import"),
    path("wbp/impor/<int:pk>/", roster.roster_import_preview, name="roster_import_preview"),
    path("wbp/impor/<int:pk>/konfirmasi/", roster.roster_import_confirm,
         name="roster_import_confirm"),
    path("wbp/impor/<int:pk>/galat.csv", roster.roster_import_errors,
         name="roster_import_errors"),
    path("nik/", roster.nik_worklist, name="nik_worklist"),
    path("nik/<slug:key>/", roster.nik_worklist, name="nik_worklist_tab"),
    path("dukcapil/permintaan/", roster.dukcapil_request_create, name="dukcapil_request_create"),
    path("dukcapil/permintaan/<int:pk>/", roster.dukcapil_request_detail,
         name="dukcapil_request_detail"),
    path("dukcapil/permintaan/<int:pk>/unduh/", roster.dukcapil_request_download,
         name="dukcapil_request_download"),
    path("dukcapil/jawaban/", roster.dukcapil_answer_upload, name="dukcapil_answer_upload"),
]
