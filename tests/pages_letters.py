"""KPPS pages (letters, tanda terima, polling day) in the permission matrix, and the small world
of voters the letter tests build on.

Roles: letter PDFs (full NIK) for the KPPS of the TPS, operators and admins; the registers and
recaps for every role; recording deliveries and votes for the KPPS and admins. A KPPS officer of
TPS 901 gets a 404 for anything of TPS 902; the facility's other roles may reach TPS 902.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.urls import reverse
from matrix import ROLES, page

from voters.core import storage
from voters.models import Inmate, LetterBatch, ListEntry, VoterList
from voters.rules import nik as nik_rules

POLLING_DAY = dt.date(2024, 11, 27)

# ---------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------


def nik_for(birth, sex="L", serial=1, region="331601"):
    day = birth.day + (40 if sex == "P" else 0)
    return f"{region}{day:02d}{birth:%m%y}{serial:04d}"


def make_inmate(facility, no_registrasi, nama, *, birth=dt.date(1990, 5, 17), sex="L",
                nik=None, blok="A", masuk=dt.date(2024, 1, 10), bebas=None, keluar=None,
                kode_wilayah="33.16.01", serial=1, register=None):
    nik = nik_for(birth, sex, serial) if nik is None else nik
    # A convict (register B) or a detainee (A), by the register number's own prefix: only a
    # convict's tanggal_bebas is a release (CONTRACT.md, second version).
    if register is None:
        register = "B.I" if no_registrasi.startswith("B") else "A.II"
    return Inmate.objects.create(
        facility=facility,
        no_registrasi=no_registrasi,
        nama=nama,
        nik=nik,
        nik_format=str(nik_rules.check(nik).status),
        tanggal_lahir=birth,
        jenis_kelamin=sex,
        blok=blok,
        tanggal_masuk=masuk,
        tanggal_bebas=bebas,
        tanggal_keluar=keluar,
        kode_wilayah=kode_wilayah,
        alamat="DUSUN KRAJAN",
        register=register,
    )


def make_list(tps, kind, people):
    """people: (nama, nik, birth, sex) or dicts with ListEntry fields; numbered from 1."""
    voter_list = VoterList.objects.create(
        election=tps.election, tps=tps, kind=kind, file_name=f"{kind}.csv",
        sha256=hashlib.sha256(kind.encode()).hexdigest(), row_count=len(people),
    )
    for position, person in enumerate(people, start=1):
        if not isinstance(person, dict):
            nama, nik, birth, sex = person
            person = {"nama": nama, "nik": nik, "tanggal_lahir": birth, "jenis_kelamin": sex}
        ListEntry.objects.create(
            voter_list=voter_list,
            position=position,
            row_number=position + 1,
            nik_format=str(nik_rules.check(person["nik"]).status),
            alamat=person.pop("alamat", "DUSUN KRAJAN"),
            rt="003", rw="002", kelurahan="TAMBAHREJO", kecamatan="BLORA",
            **person,
        )
    return voter_list


@dataclass
class LetterWorld:
    inside: list  # inmates inside on polling day, in list order (DPT, then DPTB)
    released: Inmate  # on the DPT, released before polling day: no letter
    masked: Inmate  # on the DPT with a masked NIK


def build_letter_world(tps):
    """TPS with a DPT of 4 (one released before polling day, one masked NIK) and a DPTb of 2
    (one also on the DPT: a duplicate), across blocks A and B."""
    f = tps.facility
    budi = make_inmate(f, "BI.001/2024", "BUDI SANTOSO", birth=dt.date(1985, 3, 2), blok="A",
                       serial=11)
    siti = make_inmate(f, "BI.002/2024", "SITI AMINAH", birth=dt.date(1992, 7, 9), sex="P",
                       blok="B", serial=12)
    gone = make_inmate(f, "BI.003/2024", "JOKO WIBOWO", birth=dt.date(1979, 1, 20), blok="A",
                       bebas=POLLING_DAY - dt.timedelta(days=5), serial=13)
    masked = make_inmate(f, "BI.004/2024", "AGUS PRASETYO", birth=dt.date(1988, 12, 1),
                         blok="B", serial=14)
    eko = make_inmate(f, "AIII.005/2024", "EKO NUGROHO", birth=dt.date(1999, 2, 14), blok="A",
                      serial=15)
    make_list(tps, "DPT", [
        (budi.nama, budi.nik, budi.tanggal_lahir, "L"),
        (siti.nama, siti.nik, siti.tanggal_lahir, "P"),
        (gone.nama, gone.nik, gone.tanggal_lahir, "L"),
        ("AGUS PRASETYO", masked.nik[:6] + "*" * 10, masked.tanggal_lahir, "L"),
    ])
    make_list(tps, "DPTB", [
        (eko.nama, eko.nik, eko.tanggal_lahir, "L"),
        (budi.nama, budi.nik, budi.tanggal_lahir, "L"),  # duplicate of DPT 1
    ])
    return LetterWorld(inside=[budi, siti, masked, eko], released=gone, masked=masked)


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------

LETTER_ROLES = ("kpps", "operator", "admin")
WRITERS = ("kpps", "admin")
# Everyone of the facility but the KPPS of TPS 901 may reach TPS 902.
TPS902_ROLES = ("operator", "kpu", "observer", "admin")
TPS902_LETTER_ROLES = ("operator", "admin")


def _batch(tps):
    path = storage.new_path("letters", ".pdf")
    path.write_bytes(b"%PDF-1.7\n% test\n")
    return LetterBatch.objects.create(
        election=tps.election, tps=tps, status=LetterBatch.Status.DONE, total=1, page_count=1,
        file_path=str(path), sha256="0" * 64,
    )


def _tps_url(name):
    return (lambda w: reverse(name, args=[w["tps901"].pk]),
            lambda w: reverse(name, args=[w["tps902"].pk]))


def _with_recipients(name):
    """A page that needs voters: TPS 901 and 902 each get the small world."""
    def own(w):
        build_letter_world(w["tps901"])
        return reverse(name, args=[w["tps901"].pk])
    return own


for _name in ("kpps_tps", "deliveries", "polling"):
    _own, _foreign = _tps_url(_name)
    page(_name, ROLES, _with_recipients(_name), foreign_url=_foreign, foreign_roles=TPS902_ROLES)

page("kpps_home", ROLES, lambda w: reverse("kpps_home"))
for _name in ("delivery_recap_pdf", "polling_report_pdf"):
    _own, _foreign = _tps_url(_name)
    page(_name, ROLES, _own, foreign_url=_foreign, foreign_roles=TPS902_ROLES)
page(
    "letter_batch",
    LETTER_ROLES,
    lambda w: reverse("letter_batch", args=[_batch(w["tps901"]).pk]),
    foreign_url=lambda w: reverse("letter_batch", args=[_batch(w["tps902"]).pk]),
    foreign_roles=TPS902_LETTER_ROLES,
)
page(
    "letter_batch_progress",
    LETTER_ROLES,
    lambda w: reverse("letter_batch_progress", args=[_batch(w["tps901"]).pk]),
    foreign_url=lambda w: reverse("letter_batch_progress", args=[_batch(w["tps902"]).pk]),
    foreign_roles=TPS902_LETTER_ROLES,
)
page(
    "letter_batch_download",
    LETTER_ROLES,
    lambda w: reverse("letter_batch_download", args=[_batch(w["tps901"]).pk]),
    foreign_url=lambda w: reverse("letter_batch_download", args=[_batch(w["tps902"]).pk]),
    foreign_roles=TPS902_LETTER_ROLES,
)
page(
    "letter_batch_create",
    LETTER_ROLES,
    _with_recipients("letter_batch_create"),
    foreign_url=lambda w: reverse("letter_batch_create", args=[w["tps902"].pk]),
    foreign_roles=TPS902_LETTER_ROLES,
    method="post",
    ok_status=(302,),
)
for _name in ("delivery_mark", "delivery_clear", "polling_check_in", "polling_undo",
              "polling_add_dpk"):
    _own, _foreign = _tps_url(_name)
    page(_name, WRITERS, _own, foreign_url=_foreign, foreign_roles=("admin",), method="post",
         ok_status=(302,))
page(
    "letter_batch_create_tps_rembang",
    (),
    lambda w: reverse("letter_batch_create", args=[w["tps_rembang"].pk]),
    method="post",
)


def _ksk(name):
    """A KSK page of TPS 901, registered with --ksk and given the small world."""
    def own(w):
        w["tps901"].ksk = True
        w["tps901"].save(update_fields=["ksk"])
        build_letter_world(w["tps901"])
        return reverse(name, args=[w["tps901"].pk])
    return own


page("ksk_visit", ROLES, _ksk("ksk_visit"),
     foreign_url=lambda w: reverse("ksk_visit", args=[w["tps902"].pk]),
     foreign_roles=TPS902_ROLES)
for _name in ("ksk_visit_save", "ksk_voter_mark"):
    _own, _foreign = _tps_url(_name)
    page(_name, WRITERS, _own, foreign_url=_foreign, foreign_roles=("admin",), method="post",
         ok_status=(302,))
