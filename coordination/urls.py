from django.urls import path

from coordination.views import actions, attachments, directory, meetings

app_name = "coordination"

urlpatterns = [
    path("", meetings.meeting_list, name="meeting_list"),
    path("baru/", meetings.meeting_create, name="meeting_create"),
    path("<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("<int:pk>/ubah/", meetings.meeting_edit, name="meeting_edit"),
    path("<int:pk>/angka/", meetings.meeting_figures, name="meeting_figures"),
    path("<int:pk>/peserta/", meetings.attendee_add, name="attendee_add"),
    path(
        "<int:pk>/peserta/instansi/",
        meetings.attendee_add_institutions,
        name="attendee_add_institutions",
    ),
    path("peserta/<int:pk>/hapus/", meetings.attendee_delete, name="attendee_delete"),
    path("<int:pk>/keputusan/", meetings.decision_add, name="decision_add"),
    path("keputusan/<int:pk>/ubah/", meetings.decision_edit, name="decision_edit"),
    path("keputusan/<int:pk>/hapus/", meetings.decision_delete, name="decision_delete"),
    path("<int:pk>/notulen.pdf", meetings.minutes_pdf, name="minutes_pdf"),
    path("<int:pk>/daftar-hadir.pdf", meetings.attendance_pdf, name="attendance_pdf"),
    path("<int:pk>/tindak-lanjut/baru/", actions.action_create, name="action_create"),
    path("tindak-lanjut/", actions.action_list, name="action_list"),
    path("tindak-lanjut/<int:pk>/", actions.action_detail, name="action_detail"),
    path("tindak-lanjut/<int:pk>/ubah/", actions.action_edit, name="action_edit"),
    path("tindak-lanjut/<int:pk>/status/", actions.action_status, name="action_status"),
    path("<int:pk>/lampiran/", attachments.attachment_upload, name="attachment_upload"),
    path("lampiran/<int:pk>/", attachments.attachment_download, name="attachment_download"),
    path("lampiran/<int:pk>/hapus/", attachments.attachment_delete, name="attachment_delete"),
    path("instansi/", directory.institution_list, name="institution_list"),
    path("instansi/baru/", directory.institution_create, name="institution_create"),
    path("instansi/<int:pk>/ubah/", directory.institution_edit, name="institution_edit"),
    path("kontak/baru/", directory.contact_create, name="contact_create"),
    path("kontak/<int:pk>/ubah/", directory.contact_edit, name="contact_edit"),
]
