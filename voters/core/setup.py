"""Set-up services: facilities, elections, TPS and user accounts.

Each is an upsert so that running the same set-up twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from voters.models import TPS, Election, Facility, User
from voters.rules import wilayah

if TYPE_CHECKING:
    from datetime import date


class SetupError(Exception):
    """A set-up request that cannot be carried out; the message is for the person."""


@dataclass
class Outcome:
    obj: object
    created: bool
    changed: bool

    @property
    def verb(self) -> str:
        if self.created:
            return "dibuat"
        return "diperbarui" if self.changed else "tidak berubah"


def region_code(raw: object, *, what: str = "wilayah") -> str:
    code = wilayah.normalize_code(raw)
    if not code or not wilayah.exists_historical(code):
        raise SetupError(f"Kode {what} '{raw}' tidak dikenal dalam kode wilayah Kemendagri.")
    return code


def _upsert(model, lookup, values):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        _validate(obj)
        obj.save()
        return Outcome(obj, created=True, changed=True)
    changed = False
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed = True
    if changed:
        _validate(obj)
        obj.save()
    return Outcome(obj, created=False, changed=changed)


def _validate(obj):
    try:
        obj.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        raise SetupError(messages) from exc


@transaction.atomic
def upsert_facility(
    *,
    code: str,
    name: str,
    region: str,
    kind: str = Facility.Kind.RUTAN,
    address: str = "",
    head_name: str = "",
) -> Outcome:
    values = {"name": name, "region_code": region_code(region), "kind": kind}
    if address:
        values["address"] = address
    if head_name:
        values["head_name"] = head_name
    return _upsert(Facility, {"code": code}, values)


RACES = {
    "pilkada": {"GUB", "BUP", "WALKOT"},
    "pemilu": {"PPWP", "DPR", "DPD", "DPRD_PROV", "DPRD_KAB"},
}


@transaction.atomic
def upsert_election(
    *,
    code: str,
    name: str,
    kind: str,
    polling_date: date,
    region: str,
    races: str = "",
    dpt_date: date | None = None,
) -> Outcome:
    """Create or update an election. ``dpt_date`` (penetapan DPT) is kept as it is when not
    given, so that a re-run to change the name does not unfix the DPT."""
    if kind not in RACES:
        raise SetupError(f"Jenis pemilihan '{kind}' tidak dikenal: pilih pilkada atau pemilu.")
    region = region_code(region)
    race_list = [r.strip().upper() for r in races.replace(";", ",").split(",") if r.strip()]
    unknown = [r for r in race_list if r not in RACES[kind]]
    if unknown:
        raise SetupError(f"Kontestasi tidak dikenal untuk {kind}: {', '.join(unknown)}")
    if kind == "pilkada" and not wilayah.regency_of(region):
        raise SetupError("Wilayah Pilkada harus kabupaten/kota (mis. 33.16).")
    if kind == "pilkada":
        # A kota elects a walikota, a kabupaten a bupati: the contract writes BUP for either
        # in --races, so map it to the race this region actually holds.
        is_city = int(wilayah.regency_of(region)[-2:]) >= 71
        local = "WALKOT" if is_city else "BUP"
        race_list = [local if r in ("BUP", "WALKOT") else r for r in race_list]
    values = {
        "name": name,
        "kind": kind,
        "polling_date": polling_date,
        "region_code": region,
        # As the model stores it (blank = every race of the kind), so that a re-run with the
        # same arguments is "unchanged" instead of rewriting the row.
        "races": ",".join(Election(kind=kind, region_code=region, races=",".join(race_list))
                          .race_list),
    }
    if dpt_date is not None:
        if dpt_date > polling_date:
            raise SetupError("Tanggal penetapan DPT harus sebelum hari pemungutan suara.")
        values["dpt_date"] = dpt_date
    outcome = _upsert(Election, {"code": code}, values)
    return outcome


def facility_by_code(code: str) -> Facility:
    """The facility a command names, or a SetupError that says how to create it."""
    facility = Facility.objects.filter(code=code).first()
    if facility is None:
        raise SetupError(f"UPT '{code}' belum ada (jalankan add_facility dulu).")
    return facility


@transaction.atomic
def upsert_tps(
    *,
    election_code: str,
    facility_code: str,
    number: str | int,
    capacity: int | None = None,
    address: str = "",
    ksk: bool | None = None,
) -> Outcome:
    """Create or update a TPS of a facility. ``ksk`` (a mobile ballot box serving the facility
    from outside) is kept as it is when not given."""
    election = Election.objects.filter(code=election_code).first()
    if election is None:
        raise SetupError(f"Pemilihan '{election_code}' belum ada (jalankan add_election dulu).")
    facility = Facility.objects.filter(code=facility_code).first()
    if facility is None:
        raise SetupError(f"UPT '{facility_code}' belum ada (jalankan add_facility dulu).")
    number = str(number).strip()
    if not number.isdigit():
        raise SetupError(f"Nomor TPS '{number}' harus berupa angka.")
    existing = TPS.objects.filter(election=election, number=number).first()
    if existing and existing.facility_id != facility.pk:
        raise SetupError(
            f"TPS {number} pada {election_code} sudah dipakai oleh {existing.facility}."
        )
    values = {
        "facility": facility,
        "capacity": capacity or (existing.capacity if existing else election.default_tps_capacity),
    }
    if address:
        values["address"] = address
    if ksk is not None:
        values["ksk"] = ksk
    if values["capacity"] > election.default_tps_capacity:
        raise SetupError(
            f"Kapasitas TPS paling banyak {election.default_tps_capacity} pemilih "
            f"untuk {election.get_kind_display()}."
        )
    return _upsert(TPS, {"election": election, "number": number}, values)


@transaction.atomic
def upsert_user(
    *,
    username: str,
    role: str,
    facility_code: str | None = None,
    tps_number: str | int | None = "",
    password: str | None = None,
    full_name: str = "",
    institution: str = "",
    region: str | None = None,
) -> Outcome:
    if role not in User.Role.values:
        raise SetupError(f"Peran '{role}' tidak dikenal: {', '.join(User.Role.values)}.")
    scope_region = ""
    if region:
        scope_region = region_code(region)
        if role not in User.REGION_ROLES:
            raise SetupError("--region hanya untuk peran kpu dan observer.")
        if facility_code:
            raise SetupError("Beri --facility atau --region, bukan keduanya.")
    facility = None
    if facility_code:
        facility = Facility.objects.filter(code=facility_code).first()
        if facility is None:
            raise SetupError(f"UPT '{facility_code}' belum ada (jalankan add_facility dulu).")
    elif role != User.Role.ADMIN and not scope_region:
        raise SetupError("Peran ini harus terikat pada satu UPT: beri --facility"
                         + (" atau --region." if role in User.REGION_ROLES else "."))
    tps_number = str(tps_number or "").strip()
    if role == User.Role.KPPS and not tps_number:
        raise SetupError("Akun KPPS harus terikat pada satu TPS: beri --tps.")
    if role != User.Role.KPPS and tps_number:
        raise SetupError("--tps hanya untuk peran kpps.")
    if (
        tps_number
        and facility
        and not TPS.objects.filter(facility=facility, number=tps_number).exists()
    ):
        raise SetupError(f"TPS {tps_number} belum ada di {facility.code} (jalankan add_tps).")
    values = {"role": role, "facility": facility, "tps_number": tps_number,
              "region_code": scope_region}
    if full_name:
        parts = full_name.split(" ", 1)
        values["first_name"], values["last_name"] = parts[0], parts[1] if len(parts) > 1 else ""
    if institution:
        values["institution"] = institution
    outcome = _upsert(User, {"username": username}, values)
    user = outcome.obj
    if password is not None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise SetupError("Kata sandi ditolak: " + " ".join(exc.messages)) from exc
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
            outcome.changed = True
    elif outcome.created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return outcome
