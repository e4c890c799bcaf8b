"""Roster pages in the permission matrix."""

import datetime as dt

from django.urls import reverse
from matrix import page

from voters.models import DukcapilRequest, ImportBatch, Inmate

READERS = ("operator", "kpu", "observer", "admin")
STAFF = ("operator", "kpu", "admin")
OPERATORS = ("operator", "admin")


def _inmate(facility, number="B.1"):
    inmate, _ = Inmate.objects.get_or_create(
        facility=facility,
        no_registrasi=number,
        defaults={
            "nama": f"WBP {facility.code}",
            "nik": "3316032408718025",
            "nik_format": "valid",
            "tanggal_lahir": dt.date(1971, 8, 24),
            "jenis_kelamin": "L",
            "tanggal_masuk": dt.date(2024, 3, 4),
        },
    )
    return inmate


def _request(facility):
    req = DukcapilRequest.objects.create(facility=facility)
    req.inmates.add(_inmate(facility))
    return req


def _batch(facility):
    return ImportBatch.objects.create(kind="inmates", facility=facility, file_name="sdp.xlsx")


page("inmate_list", READERS, lambda w: reverse("inmate_list"))
page(
    "inmate_detail",
    READERS,
    lambda w: reverse("inmate_detail", args=[_inmate(w["blora"]).pk]),
    foreign_url=lambda w: reverse("inmate_detail", args=[_inmate(w["rembang"]).pk]),
)
page("nik_worklist", STAFF, lambda w: reverse("nik_worklist"))
page("nik_worklist_tab", STAFF, lambda w: reverse("nik_worklist_tab", args=["menunggu"]))
page(
    "dukcapil_request_detail",
    STAFF,
    lambda w: reverse("dukcapil_request_detail", args=[_request(w["blora"]).pk]),
    foreign_url=lambda w: reverse("dukcapil_request_detail", args=[_request(w["rembang"]).pk]),
)
page("roster_import", OPERATORS, lambda w: reverse("roster_import"))
page(
    "roster_import_preview",
    OPERATORS,
    lambda w: reverse("roster_import_preview", args=[_batch(w["blora"]).pk]),
    foreign_url=lambda w: reverse("roster_import_preview", args=[_batch(w["rembang"]).pk]),
)
page(
    "roster_import_errors",
    OPERATORS,
    lambda w: reverse("roster_import_errors", args=[_batch(w["blora"]).pk]),
    foreign_url=lambda w: reverse("roster_import_errors", args=[_batch(w["rembang"]).pk]),
)
page(
    "inmate_nik_status",
    OPERATORS,
    lambda w: reverse("inmate_nik_status", args=[_inmate(w["blora"]).pk]),
    method="post",
    ok_status=(302,),
    foreign_url=lambda w: reverse("inmate_nik_status", args=[_inmate(w["rembang"]).pk]),
)
page(
    "inmate_event",
    OPERATORS,
    lambda w: reverse("inmate_event", args=[_inmate(w["blora"]).pk]),
    method="post",
    ok_status=(302,),
    foreign_url=lambda w: reverse("inmate_event", args=[_inmate(w["rembang"]).pk]),
)


def _queued_batch(facility):
    return ImportBatch.objects.create(kind="inmates", facility=facility, file_name="sdp.csv")


def _request_with_file(facility):
    from voters.inmates import dukcapil

    inmate = _inmate(facility)
    return dukcapil.create_request(facility=facility, inmate_ids=[inmate.pk], user=None)


page(
    "roster_import_confirm",
    OPERATORS,
    lambda w: reverse("roster_import_confirm", args=[_queued_batch(w["blora"]).pk]),
    method="post",
    ok_status=(302,),  # a batch without a checked file: back to its page with a message
    foreign_url=lambda w: reverse("roster_import_confirm", args=[_queued_batch(w["rembang"]).pk]),
)
page("dukcapil_request_create", OPERATORS, lambda w: reverse("dukcapil_request_create"),
     method="post", ok_status=(302,))
page(
    "dukcapil_request_download",
    STAFF,
    lambda w: reverse("dukcapil_request_download", args=[_request_with_file(w["blora"]).pk]),
    foreign_url=lambda w: reverse(
        "dukcapil_request_download", args=[_request_with_file(w["rembang"]).pk]),
)
page("dukcapil_answer_upload", OPERATORS, lambda w: reverse("dukcapil_answer_upload"),
     method="post", ok_status=(302,))


def _answer_batch(facility):
    return ImportBatch.objects.create(kind="dukcapil", facility=facility, file_name="jawaban.xlsx")


page(
    "dukcapil_answer_result",
    OPERATORS,
    lambda w: reverse("dukcapil_answer_result", args=[_answer_batch(w["blora"]).pk]),
    foreign_url=lambda w: reverse("dukcapil_answer_result", args=[_answer_batch(w["rembang"]).pk]),
)


def _staff_batch(facility):
    return ImportBatch.objects.create(kind="staff", facility=facility, file_name="petugas.csv")


page("staff_roster", OPERATORS, lambda w: reverse("staff_roster"))
page(
    "staff_import",
    OPERATORS,
    lambda w: reverse("staff_import", args=[_staff_batch(w["blora"]).pk]),
    foreign_url=lambda w: reverse("staff_import", args=[_staff_batch(w["rembang"]).pk]),
)
page(
    "staff_import_confirm",
    OPERATORS,
    lambda w: reverse("staff_import_confirm", args=[_staff_batch(w["blora"]).pk]),
    method="post",
    ok_status=(302,),  # a batch without a preview: back to its page with a message
    foreign_url=lambda w: reverse("staff_import_confirm", args=[_staff_batch(w["rembang"]).pk]),
)
