"""Polling day at one TPS (DOMAIN.md §3.1, §4): the check-in register of the TPS lists, undo
with a reason, DPK voters added in the last hour, and the counts the KPPS reports.

Hours are data of the election: voting from ``voting_start``, DPTb voters from ``dptb_start``
when it is set, DPK voters from ``dpk_start``. A person votes once per election whatever list or
TPS they appear on (a conditional unique constraint on the voter's key).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from voters.letters import pdf as letters
from voters.letters.services import (
    LIST_LABELS,
    LIST_ORDER,
    LetterError,
    Voter,
    list_voters,
    place_name,
    record_tps_change,
    record_tps_print,
    sort_key,
    tps_entries,
    voter_key,
    voter_place,
)
from voters.models import TPS, Inmate, ListEntry, PollingCheckIn, User
from voters.reconciliation import selectors
from voters.rules import eligibility, match, wilayah
from voters.rules import nik as nik_rules
from voters.rules.classify import entitlement

if TYPE_CHECKING:
    from datetime import date, time

    from voters.letters.pdf import Rendered
    from voters.models import Election


def local_now(now: datetime | None = None) -> datetime:
    return timezone.localtime(now or timezone.now())


def opens_at(election: Election, list_kind: str) -> time:
    """The time a voter of ``list_kind`` may vote from (DOMAIN.md §4: DPK in the last hour;
    DPTb from the election's DPTb hour when one is set)."""
    if list_kind == "DPK":
        return election.dpk_start or election.voting_start
    if list_kind == "DPTB" and election.dptb_start:
        return election.dptb_start
    return election.voting_start


def polling_state(election: Election, now: datetime | None = None) -> str:
    """'before' (not yet polling day or hour), 'open', 'closed' (after polling day)."""
    now = local_now(now)
    if now.date() < election.polling_date:
        return "before"
    if now.date() > election.polling_date:
        return "closed"
    if now.time() < election.voting_start:
        return "before"
    if now.time() >= election.voting_end:
        return "closed"
    return "open"


def _require_open(election, list_kind, now):
    now = local_now(now)
    if now.date() != election.polling_date:
        raise LetterError(
            "Daftar hadir hanya dapat diisi pada hari pemungutan suara, "
            f"{letters.long_date(election.polling_date)}."
        )
    if now.time() >= election.voting_end:
        raise LetterError(
            f"TPS sudah ditutup pukul {letters.hhmm(election.voting_end)} "
            f"{election.time_zone_label}: tidak ada lagi pemilih yang dapat dilayani."
        )
    start = opens_at(election, list_kind)
    if now.time() < start:
        raise LetterError(
            f"Pemilih {LIST_LABELS.get(list_kind, list_kind)} baru dapat dilayani mulai pukul "
            f"{letters.hhmm(start)} {election.time_zone_label}."
        )


def register_voters(tps: TPS) -> list[Voter]:
    """The polling-day register: list voters plus DPK voters added at the TPS, with their
    active check-in, in list order."""
    voters = list_voters(tps)
    checkins = PollingCheckIn.objects.filter(tps=tps).select_related("by", "undone_by", "inmate")
    # A person listed twice (DPT and DPTb, or at two TPS) votes once: the check-in counts on
    # the row it was made on; the other rows show where the person voted.
    active = {
        c.voter_key: c
        for c in PollingCheckIn.objects.filter(
            election=tps.election, undone_at__isnull=True,
            voter_key__in=[v.key for v in voters],
        ).select_related("by", "tps")
    }
    for voter in voters:
        checkin = active.get(voter.key)
        if checkin is None:
            continue
        if (checkin.tps_id, checkin.list_kind, checkin.list_number) == (
            tps.pk, voter.list_kind, voter.number
        ):
            voter.checkin = checkin
        else:
            voter.extra["voted_elsewhere"] = checkin
    for checkin in checkins:
        if checkin.is_dpk_addition and checkin.undone_at is None:
            voters.append(
                Voter(entry=None, inmate=checkin.inmate, list_kind="DPK",
                      number=checkin.list_number, key=checkin.voter_key, checkin=checkin,
                      extra={"added": True, "nama": checkin.nama})
            )
    voters.sort(key=sort_key)
    return voters


def check_in(*, tps: TPS, key: str, user: User, now: datetime | None = None) -> PollingCheckIn:
    """Mark that the voter ``key`` of this TPS has voted."""
    voter = next((v for v in list_voters(tps, today=local_now(now).date()) if v.key == key),
                 None)
    if voter is None:
        raise LetterError("Pemilih ini tidak ada di daftar pemilih TPS ini.")
    return record_list_vote(tps=tps, voter=voter, user=user, now=now, what="Hadir memilih")


def record_list_vote(*, tps: TPS, voter: Voter, user: User, now: datetime | None = None,
                     what: str) -> PollingCheckIn:
    """The vote of ``voter``, a voter of this TPS's lists, in their list's hours: the one path
    of a list voter's vote, at the TPS (``check_in``) or with the mobile box (``ksk``)."""
    _require_open(tps.election, voter.list_kind, now)
    return _record_vote(
        tps=tps,
        key=voter.key,
        user=user,
        now=now,
        what=what,
        fields=lambda: {
            "inmate": voter.inmate,
            "list_kind": voter.list_kind,
            "list_number": voter.number,
            "nama": voter.nama[:200],
            "jenis_kelamin": voter.jenis_kelamin,
            "disabilitas": voter.disabled,
        },
    )


def _record_vote(*, tps, key, user, now, what, fields):
    """The check-in of the voter ``key`` at ``tps``, audited as ``what``: refused when their
    vote is already recorded, here or at another TPS (a person votes once per election; the
    unique constraint catches two officers clicking at once). ``fields`` gives the row's own
    fields inside the transaction, where a DPK voter's number is counted."""
    existing = PollingCheckIn.objects.filter(
        election=tps.election, voter_key=key, undone_at__isnull=True
    ).select_related("tps").first()
    if existing is not None:
        raise LetterError(_already_text(existing))
    try:
        with transaction.atomic():
            checkin = PollingCheckIn.objects.create(
                election=tps.election,
                tps=tps,
                voter_key=key,
                **fields(),
                voted_at=local_now(now),
                by=user,
            )
            record_tps_change(
                tps=tps, user=user, obj=checkin,
                summary=f"{what}: {voter_place(checkin.list_kind, checkin.list_number, tps)}",
            )
    except IntegrityError as exc:
        raise LetterError("Pemilih ini sudah tercatat memilih.") from exc
    return checkin


def _already_text(checkin):
    when = timezone.localtime(checkin.voted_at)
    return (
        f"Pemilih ini sudah tercatat memilih di TPS {checkin.tps.number} pukul {when:%H.%M}. "
        "Bila catatan itu keliru, batalkan dulu dengan alasannya."
    )


def undo_check_in(
    *, tps: TPS, checkin_id: int, reason: str, user: User, now: datetime | None = None
) -> PollingCheckIn:
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise LetterError("Tuliskan alasan pembatalan.")
    election = tps.election
    if local_now(now).date() != election.polling_date:
        raise LetterError("Catatan kehadiran hanya dapat dibatalkan pada hari pemungutan suara.")
    with transaction.atomic():
        checkin = (
            PollingCheckIn.objects.select_for_update()
            .filter(tps=tps, pk=checkin_id, undone_at__isnull=True)
            .first()
        )
        if checkin is None:
            raise LetterError("Catatan kehadiran ini tidak ada atau sudah dibatalkan.")
        checkin.undone_at = local_now(now)
        checkin.undone_by = user
        checkin.undo_reason = reason[:300]
        checkin.save(update_fields=["undone_at", "undone_by", "undo_reason"])
        record_tps_change(
            tps=tps, user=user, obj=checkin,
            summary=f"Batal hadir: {voter_place(checkin.list_kind, checkin.list_number, tps)}",
            detail={"alasan": reason[:300]},
        )
    return checkin


def add_dpk_voter(
    *,
    tps: TPS,
    user: User,
    nik: str,
    nama: str = "",
    tanggal_lahir: date | None = None,
    jenis_kelamin: str = "",
    no_registrasi: str = "",
    kode_wilayah: str = "",
    alamat: str = "",
    disabilitas: bool = False,
    now: datetime | None = None,
) -> PollingCheckIn:
    """Add a DPK voter at the TPS in the last hour (DOMAIN.md §3.1, §4) and record the vote.

    The person must be an inmate of the facility who is inside today, show a KTP-el whose NIK
    passes the offline checks and agrees with the birth date and sex, be on none of this TPS's
    lists, be eligible, and (Pilkada) have a KTP-el address inside the election's region."""
    election = tps.election
    if not election.allow_dpk:
        raise LetterError(
            "DPK tidak dilayani di TPS lokasi khusus pada pemilihan ini (pengaturan pemilihan; "
            "belum dipastikan KPU)."
        )
    _require_open(election, "DPK", now)
    today = local_now(now).date()
    check = nik_rules.check(nik, birth_date=tanggal_lahir, sex=jenis_kelamin or None, today=today)
    if not check.is_valid:
        raise LetterError("NIK KTP-el tidak sah: " + "; ".join(i.message for i in check.errors))
    nik = check.text
    mismatch = [i.message for i in check.warnings if i.code.endswith("_mismatch")]
    if mismatch:
        raise LetterError("NIK tidak cocok dengan data KTP-el: " + "; ".join(mismatch))
    inmate = _dpk_inmate(tps, nik=nik, no_registrasi=no_registrasi, today=today)
    tanggal_lahir = tanggal_lahir or inmate.tanggal_lahir
    jenis_kelamin = jenis_kelamin or inmate.jenis_kelamin
    reasons = selectors.ineligibility(inmate, election)
    if reasons:
        raise LetterError("Tidak memenuhi syarat: " + "; ".join(label for _c, label in reasons))
    region = kode_wilayah or inmate.kode_wilayah
    if not region:
        raise LetterError("Isi kode wilayah alamat KTP-el (mis. 33.16.01).")
    right = entitlement(region, selectors.as_matching_election(election))
    if right.outside or not right.ballots:
        raise LetterError(
            "Alamat KTP-el di luar wilayah pemilihan ini: tidak mendapat surat suara di TPS ini."
        )
    listed = _listed_entry(tps, nik=nik, nama=nama or inmate.nama, tanggal_lahir=tanggal_lahir,
                           inmate=inmate, today=today)
    if listed is not None:
        raise LetterError(
            f"Orang ini sudah terdaftar di {LIST_LABELS.get(listed.voter_list.kind)} nomor "
            f"{listed.position}: catat kehadirannya di daftar, bukan sebagai DPK."
        )
    elsewhere = _listed_elsewhere(election, nik)
    if elsewhere:
        raise LetterError(
            f"Orang ini terdaftar di {elsewhere}: DPK hanya untuk yang tidak terdaftar di daftar "
            "mana pun."
        )
    if not tps.kode_wilayah:
        raise LetterError(
            "Kode wilayah desa/kelurahan TPS ini belum diisi (admin): DPK hanya untuk yang "
            "KTP-el-nya di desa/kelurahan TPS."
        )
    if not wilayah.contains(tps.kode_wilayah, region):
        raise LetterError(
            f"Alamat KTP-el ({region}) tidak di desa/kelurahan TPS ini ({tps.kode_wilayah}): "
            "pemilih DPK hanya boleh memilih di TPS alamat KTP-el-nya."
        )
    return _record_vote(
        tps=tps,
        key=voter_key(inmate_id=inmate.pk),
        user=user,
        now=now,
        what="DPK ditambahkan dan hadir",
        fields=lambda: {
            "inmate": inmate,
            "list_kind": "DPK",
            "list_number": _next_dpk_number(tps),
            "nama": (nama.strip() or inmate.nama)[:200],
            "jenis_kelamin": jenis_kelamin,
            "nik": nik,
            "tanggal_lahir": tanggal_lahir,
            "alamat": (alamat.strip() or inmate.alamat)[:300],
            "kode_wilayah": region,
            "disabilitas": bool(disabilitas),
            "is_dpk_addition": True,
        },
    )


def _listed_elsewhere(election, nik):
    """Where this NIK stands on another list of the election (another TPS, or the reference
    DPT), in words; '' when on none."""
    from voters.lists.services import active_reference, nik_number
    from voters.models import ReferenceEntry

    other = (ListEntry.objects.filter(voter_list__election=election, nik=nik)
             .select_related("voter_list__tps").first())
    if other is not None:
        return f"{other.voter_list.kind} TPS {other.voter_list.tps.number}"
    active = active_reference(election)
    reference = (ReferenceEntry.objects.filter(reference=active, nik_angka=nik_number(nik)).first()
                 if active is not None else None)
    if reference is not None:
        return f"DPT rujukan TPS {reference.tps}".strip()
    return ""


def _dpk_inmate(tps, *, nik, no_registrasi, today):
    inmates = Inmate.objects.filter(facility_id=tps.facility_id)
    by_nik = list(inmates.filter(nik=nik))
    inmate = None
    if no_registrasi.strip():
        inmate = inmates.filter(no_registrasi__iexact=no_registrasi.strip()).first()
        if inmate is None:
            raise LetterError(f"Nomor registrasi {no_registrasi.strip()} tidak ada di UPT ini.")
        if inmate.nik and inmate.nik_format == "valid" and inmate.nik != nik:
            raise LetterError("NIK KTP-el berbeda dengan NIK WBP ini di data rutan.")
    elif by_nik:
        by_nik.sort(key=lambda i: (not i.is_inside_on(today), -i.pk))
        inmate = by_nik[0]
    if inmate is None:
        raise LetterError(
            "NIK ini tidak ditemukan pada WBP rutan ini; isi nomor registrasinya."
        )
    if not inmate.is_inside_on(today):
        raise LetterError("WBP ini tercatat sudah tidak berada di rutan.")
    return inmate


def _listed_entry(tps, *, nik, nama, tanggal_lahir, inmate, today):
    """The entry of this TPS's lists that is this person, if any: one the matcher pairs with
    the KTP-el shown (its NIK, or a masked NIK agreeing with it with the birth date and a
    similar name), else one the reconciliation pairs with the inmate."""
    entries = tps_entries(tps)
    shown = eligibility.Inmate(id=inmate.pk, nama=nama, nik=nik, birth_date=tanggal_lahir,
                               admitted=inmate.tanggal_masuk)
    pairing = match.pair_entries(
        inmates=[shown], entries=[selectors.as_matching_entry(e) for e in entries], today=today
    )
    # Only by NIK: a likeness of name and birth date alone does not make the KTP-el that entry.
    by_nik = {
        entry.id
        for group in pairing.by_inmate.values()
        for entry, how in group.members
        if how.layer in ("nik", "masked_nik")
    }
    listed = next((e for e in entries if e.pk in by_nik), None)
    if listed is not None:
        return listed
    paired = selectors.paired_inmates(election=tps.election, facility_id=tps.facility_id,
                                      entries=entries, today=today)
    return next((e for e in entries if getattr(paired.get(e.pk), "pk", None) == inmate.pk), None)


def _next_dpk_number(tps):
    listed = (
        ListEntry.objects.filter(voter_list__tps=tps, voter_list__kind="DPK")
        .aggregate(n=Max("position"))["n"]
        or 0
    )
    added = PollingCheckIn.objects.filter(tps=tps, is_dpk_addition=True).aggregate(
        n=Max("list_number")
    )["n"] or 0
    return max(listed, added) + 1


def polling_counts(voters: Sequence[Voter]) -> dict:
    """What the KPPS reports: voters on each list and who voted, by sex, and turnout."""
    rows = []
    total_reg = Counter()
    total_voted = Counter()
    for kind in LIST_ORDER:
        group = [v for v in voters if v.list_kind == kind]
        reg = Counter(v.jenis_kelamin for v in group)
        voted = Counter(v.jenis_kelamin for v in group if v.checkin is not None)
        total_reg.update(reg)
        total_voted.update(voted)
        rows.append(_count_row(LIST_LABELS[kind], reg, voted))
    disabled = [v for v in voters if v.disabled or (v.checkin and v.checkin.disabilitas)]
    return {
        "rows": rows,
        "total": _count_row("Jumlah", total_reg, total_voted),
        "disabled": {
            "registered": len(disabled),
            "voted": sum(1 for v in disabled if v.checkin is not None),
        },
        "dpk_added": sum(1 for v in voters if v.extra.get("added")),
    }


def ksk_votes(tps: TPS) -> int | None:
    """How many of the TPS's votes were cast in the mobile box (KSK); None for a TPS without
    one. They are check-ins of the TPS like any other, so ``polling_counts`` already holds them."""
    if not tps.ksk:
        return None
    return PollingCheckIn.objects.filter(tps=tps, undone_at__isnull=True,
                                         ksk_voter__isnull=False).count()


def _count_row(label, reg, voted):
    registered = reg["L"] + reg["P"]
    used = voted["L"] + voted["P"]
    return {
        "label": label,
        "reg_l": reg["L"],
        "reg_p": reg["P"],
        "reg": registered,
        "voted_l": voted["L"],
        "voted_p": voted["P"],
        "voted": used,
        "turnout": round(used * 100 / registered, 1) if registered else None,
    }


def undone_checkins(tps: TPS) -> list[PollingCheckIn]:
    return list(
        PollingCheckIn.objects.filter(tps=tps, undone_at__isnull=False).select_related(
            "by", "undone_by"
        )
    )


def render_polling_report(*, tps: TPS, user: User, now: datetime | None = None) -> Rendered:
    """The register and the counts, printable at close; the print is audited."""
    voters = register_voters(tps)
    rendered = letters.render_template(
        "letters/polling_report.html",
        {
            "tps": tps,
            "election": tps.election,
            "voters": voters,
            "counts": polling_counts(voters),
            "ksk_votes": ksk_votes(tps),
            "undone": undone_checkins(tps),
            "printed_at": local_now(now),
            "printed_by": user,
            "place": place_name(tps.facility),
            "polling_day": letters.long_date(tps.election.polling_date),
        },
    )
    record_tps_print(
        tps=tps, user=user, rendered=rendered,
        summary=f"Cetak daftar hadir dan rekap pemungutan TPS {tps.number}",
    )
    return rendered


def hours_text(election: Election) -> str:
    parts = [
        f"DPT {letters.hhmm(election.voting_start)}–{letters.hhmm(election.voting_end)}",
        f"DPTb {letters.hhmm(opens_at(election, 'DPTB'))}–{letters.hhmm(election.voting_end)}",
        f"DPK {letters.hhmm(opens_at(election, 'DPK'))}–{letters.hhmm(election.voting_end)}",
    ]
    return ", ".join(parts) + f" {election.time_zone_label}"
