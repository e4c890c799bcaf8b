from django.urls import path
from django.utils.translation import gettext_lazy as _

from voters.core import guide, navigation
from voters.core import views as core
from voters.core.access import ALL_ROLES, READERS, STAFF, Role
from voters.inmates import staff_views
from voters.inmates import views as roster
from voters.letters import views as kpps
from voters.lists import views as lists
from voters.reconciliation import views as reconciliation

navigation.add("home", _("Beranda"), ALL_ROLES, order=0)
navigation.add("inmate_list", "WBP", READERS, order=10)
navigation.add("nik_worklist", "NIK & Dukcapil", STAFF, order=20)
navigation.add("roster_import", _("Impor SDP"), (Role.OPERATOR,), order=25)
navigation.add("staff_roster", _("Petugas"), (Role.OPERATOR,), order=27)
navigation.add("reconciliation", _("Rekonsiliasi"), READERS, order=40)
navigation.add("reconciliation_review", _("Pemeriksaan"), STAFF, order=45)
navigation.add("kpps_home", "TPS & KPPS", ALL_ROLES, order=50)
navigation.add("voter_lists", _("Daftar Pemilih"), ALL_ROLES, order=30)
navigation.add("reference_dpt", _("DPT Rujukan"), READERS, order=35)
navigation.add("admin:index", _("Administrasi"), (), order=90)  # administrators only

urlpatterns = [
    path("", core.home, name="home"),
    path("pemilihan/<slug:code>/", core.election_detail, name="election_detail"),
    path("pekerjaan/<slug:key>/<int:pk>/", core.job_progress, name="job_progress"),
    path("istilah/", guide.glossary_page, name="glossary"),
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
    path("petugas/", staff_views.staff_roster, name="staff_roster"),
    path("petugas/impor/<int:pk>/", staff_views.staff_import, name="staff_import"),
    path("petugas/impor/<int:pk>/konfirmasi/", staff_views.staff_import_confirm,
         name="staff_import_confirm"),
    path("nik/", roster.nik_worklist, name="nik_worklist"),
    path("nik/<slug:key>/", roster.nik_worklist, name="nik_worklist_tab"),
    path("dukcapil/permintaan/", roster.dukcapil_request_create, name="dukcapil_request_create"),
    path("dukcapil/permintaan/<int:pk>/", roster.dukcapil_request_detail,
         name="dukcapil_request_detail"),
    path("dukcapil/permintaan/<int:pk>/unduh/", roster.dukcapil_request_download,
         name="dukcapil_request_download"),
    path("dukcapil/jawaban/", roster.dukcapil_answer_upload, name="dukcapil_answer_upload"),
    path("dukcapil/jawaban/<int:pk>/", roster.dukcapil_answer_result,
         name="dukcapil_answer_result"),
    path("rekonsiliasi/", reconciliation.overview, name="reconciliation"),
    path("rekonsiliasi/jalankan/", reconciliation.start, name="reconciliation_start"),
    path("rekonsiliasi/<int:pk>/", reconciliation.run_detail, name="reconciliation_run"),
    path("rekonsiliasi/<int:pk>/ekspor/<slug:kind>.<slug:fmt>", reconciliation.export,
         name="reconciliation_export"),
    path("rekonsiliasi/periksa/", reconciliation.review_queue, name="reconciliation_review"),
    path("rekonsiliasi/periksa/<int:pk>/", reconciliation.decide,
         name="reconciliation_decide"),
    path("kpps/", kpps.kpps_home, name="kpps_home"),
    path("kpps/tps/<int:pk>/", kpps.kpps_tps, name="kpps_tps"),
    path("kpps/tps/<int:pk>/surat/", kpps.letter_batch_create, name="letter_batch_create"),
    path("kpps/surat/<int:pk>/", kpps.letter_batch, name="letter_batch"),
    path("kpps/surat/<int:pk>/kemajuan/", kpps.letter_batch_progress,
         name="letter_batch_progress"),
    path("kpps/surat/<int:pk>/unduh/", kpps.letter_batch_download, name="letter_batch_download"),
    path("kpps/tps/<int:pk>/tanda-terima/", kpps.deliveries, name="deliveries"),
    path("kpps/tps/<int:pk>/tanda-terima/catat/", kpps.delivery_mark, name="delivery_mark"),
    path("kpps/tps/<int:pk>/tanda-terima/batal/", kpps.delivery_clear, name="delivery_clear"),
    path("kpps/tps/<int:pk>/tanda-terima/rekap.pdf", kpps.delivery_recap_pdf,
         name="delivery_recap_pdf"),
    path("kpps/tps/<int:pk>/pemungutan/", kpps.polling, name="polling"),
    path("kpps/tps/<int:pk>/pemungutan/hadir/", kpps.polling_check_in, name="polling_check_in"),
    path("kpps/tps/<int:pk>/pemungutan/batal/", kpps.polling_undo, name="polling_undo"),
    path("kpps/tps/<int:pk>/pemungutan/dpk/", kpps.polling_add_dpk, name="polling_add_dpk"),
    path("kpps/tps/<int:pk>/pemungutan/rekap.pdf", kpps.polling_report_pdf,
         name="polling_report_pdf"),
    path("daftar/", lists.voter_lists, name="voter_lists"),
    path("daftar/unggah/", lists.voter_list_upload, name="voter_list_upload"),
    path("daftar/<int:pk>/", lists.voter_list_detail, name="voter_list_detail"),
    path("daftar/<int:pk>/model-a.pdf", lists.voter_list_pdf, name="voter_list_pdf"),
    path("daftar/impor/<int:pk>/", lists.list_import_result, name="list_import_result"),
    path("dpt-rujukan/", lists.reference_dpt, name="reference_dpt"),
    path("dpt-rujukan/unggah/", lists.reference_upload, name="reference_upload"),
    path("dpt-rujukan/<slug:code>/", lists.reference_dpt, name="reference_dpt_election"),
]
