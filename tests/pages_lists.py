"""KPU voter-list pages in the permission matrix.

Roles: every role reads the TPS lists of its scope (KPPS: their own TPS only, everything
masked); the reference DPT is for the readers (not KPPS); uploads are for the KPU liaison and
admins; import results for the staff roles. A list of another facility is a 404 for everyone;
a list of TPS 902 is a 404 for the KPPS of TPS 901 only.
"""

import datetime as dt
import hashlib

from django.urls import reverse
from matrix import ROLES, page

from voters.models import TPS, Election, ImportBatch, ListEntry, ReferenceDPT, VoterList

FULL_NIK = "3316011505800001"


def list_of(tps, kind="DPT"):
    voter_list, created = VoterList.objects.get_or_create(
        tps=tps,
        kind=kind,
        defaults={
            "election": tps.election,
            "file_name": f"{kind}.csv",
            "sha256": hashlib.sha256(f"{tps.pk}{kind}".encode()).hexdigest(),
            "row_count": 2,
            "counts": {"sex": {"L": 1, "P": 1}},
        },
    )
    if created:
        for position, (nama, nik, nkk, sex) in enumerate(
            [
                ("BUDI SANTOSO", FULL_NIK, "3316011203150001", "L"),
                ("SITI AMINAH", "331601**********", "", "P"),
            ],
            1,
        ):
            ListEntry.objects.create(
                voter_list=voter_list,
                position=position,
                row_number=position + 1,
                nik=nik,
                nik_format="valid" if "*" not in nik else "masked",
                nkk=nkk,
                nama=nama,
                tanggal_lahir=dt.date(1980, 5, 15),
                jenis_kelamin=sex,
                kelurahan="JEPON",
                disabilitas=1 if position == 1 else None,
            )
    return voter_list


def list_url(name, tps_key):
    return lambda w: reverse(name, args=[list_of(w[tps_key]).pk])


def other_election(world):
    """An election where only the other facility has a TPS."""
    election, _ = Election.objects.get_or_create(
        code="PILBUP-REMBANG",
        defaults={
            "name": "Pilkada Rembang",
            "kind": "pilkada",
            "polling_date": dt.date(2024, 11, 27),
            "region_code": "33.17",
        },
    )
    TPS.objects.get_or_create(
        election=election,
        number="905",
        defaults={"facility": world["rembang"], "capacity": 600},
    )
    ReferenceDPT.objects.get_or_create(
        election=election, status="active", defaults={"file_name": "x.csv", "sha256": "0" * 64}
    )
    return reverse("reference_dpt_election", args=[election.code])


def import_result(world, facility_key, tps_key):
    batch = ImportBatch.objects.create(
        kind="voter_list",
        facility=world[facility_key],
        election=world["election"],
        tps=world[tps_key],
        list_kind="DPT",
        file_name="dpt.csv",
        status="done",
        summary={"rows_read": 2, "rows": 2, "sex": {"L": 1, "P": 1}},
    )
    return reverse("list_import_result", args=[batch.pk])


OTHER_TPS_ROLES = ("operator", "kpu", "observer", "admin")

page("voter_lists", ROLES, lambda w: reverse("voter_lists"))
page(
    "voter_list_detail",
    ROLES,
    list_url("voter_list_detail", "tps901"),
    foreign_url=list_url("voter_list_detail", "tps_rembang"),
)
page(
    "voter_list_detail_other_tps",
    OTHER_TPS_ROLES,
    list_url("voter_list_detail", "tps902"),
    foreign_url=list_url("voter_list_detail", "tps902"),
    foreign_roles=OTHER_TPS_ROLES,
)
page(
    "voter_list_pdf",
    ROLES,
    list_url("voter_list_pdf", "tps901"),
    foreign_url=list_url("voter_list_pdf", "tps_rembang"),
)
page("voter_list_upload", ("kpu", "admin"), lambda w: reverse("voter_list_upload"))
page("reference_upload", ("kpu", "admin"), lambda w: reverse("reference_upload"))
page(
    "reference_dpt",
    ("operator", "kpu", "observer", "admin"),
    lambda w: reverse("reference_dpt"),
    foreign_url=other_election,
)
page(
    "list_import_result",
    ("operator", "kpu", "admin"),
    lambda w: import_result(w, "blora", "tps901"),
    foreign_url=lambda w: import_result(w, "rembang", "tps_rembang"),
)
