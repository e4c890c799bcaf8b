"""Reads that several pages and services share."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from voters.models import Election, Inmate, ListEntry, TMSReason, VoterList
from voters.rules import eligibility
from voters.rules import nik as nik_rules
from voters.rules.lists import list_rank
from voters.rules.match import PROBABLE_THRESHOLD
from voters.rules.names import name_similarity


def elections_for(user):
    return Election.objects.filter(tps_set__in=user.tps_queryset()).distinct()


def current_election(user, code=None):
    """The election a page is about: the one asked for, else the next polling day, else the
    most recent. Kept on the user object, which lives for one request, so that the dashboard
    and the home page's panels ask the database once."""
    memo = user.__dict__.setdefault("_current_elections", {})
    key = (code or "", timezone.localdate())
    if key not in memo:
        memo[key] = _current_election(user, code)
    return memo[key]


def _current_election(user, code):
    elections = elections_for(user)
    if code:
        return elections.filter(code=code).first()
    today = timezone.localdate()
    upcoming = elections.filter(polling_date__gte=today).order_by("polling_date").first()
    return upcoming or elections.order_by("-polling_date").first()


def as_matching_inmate(inmate):
    return eligibility.Inmate(
        id=inmate.pk,
        no_registrasi=inmate.no_registrasi,
        nama=inmate.nama,
        aliases=tuple(inmate.alias_list()),
        nik=inmate.nik,
        nik_status=inmate.nik_format if inmate.nik_format else "",
        birth_date=inmate.tanggal_lahir,
        sex=inmate.jenis_kelamin,
        marital=inmate.status_perkawinan or "B",
        citizenship=inmate.kewarganegaraan or "WNI",
        tni_polri=inmate.tni_polri,
        vote_revoked=inmate.hak_pilih_dicabut,
        dead=inmate.is_dead,
        address_region=inmate.kode_wilayah,
        admitted=inmate.tanggal_masuk,
        expected_release=inmate.tanggal_bebas,
        left_on=inmate.tanggal_keluar,
        left_kind=inmate.jenis_keluar,
        register_class=inmate.register,
    )


def as_matching_election(election, dapil=None):
    return eligibility.Election(
        kind=election.kind,
        polling_date=election.polling_date,
        region=election.region_code,
        races=tuple(election.race_list),
        dptb_deadline_detainee=election.dptb_deadline_detainee,
        dptb_deadline_general=election.dptb_deadline_general,
        dapil=dapil or {},
    )


def tms_table():
    """TMS reasons as data: key -> (code, label), editable by an admin."""
    rows = {r.key: (r.code, r.label) for r in TMSReason.objects.all()}
    return {key: rows.get(key, default) for key, default in eligibility.TMS_REASONS.items()}


def ineligibility(inmate, election, table=None):
    """[(code, label)] of each reason this inmate may not vote in this election; [] = eligible."""
    table = table or tms_table()
    keys = eligibility.tms_reasons(as_matching_inmate(inmate), as_matching_election(election))
    return [table[k] for k in keys]


# -- notification letters -----------------------------------------------------------------------

#: inmate fields that no list page reads (JSON and timestamps are the costly ones to decode,
#: a few thousand times per page otherwise)
UNUSED_INMATE_FIELDS = ("nik_issues", "nik_status_at", "created_at", "updated_at", "row_hash",
                        "keterangan", "putusan_pencabutan")
#: what matching, letters and the delivery register read of a recipient inmate
RECIPIENT_INMATE_FIELDS = ("no_registrasi", "nama", "nik", "tanggal_lahir", "jenis_kelamin",
                           "blok", "tanggal_masuk", "tanggal_bebas", "tanggal_keluar",
                           "jenis_keluar")
#: list-entry fields that neither letters nor registers read
UNUSED_ENTRY_FIELDS = ("nkk", "tempat_lahir", "status_perkawinan", "kode_wilayah", "tps_number",
                       "keterangan", "row_number")


@dataclass(frozen=True)
class Recipient:
    """A voter who gets a notification letter: the list entry, the inmate it belongs to, the
    list and the voter's number on it."""

    entry: ListEntry
    inmate: Inmate | None
    list_kind: str
    number: int


def match_list_entries(entries, inmates):
    """{entry id: inmate}: equal full NIK; or a masked NIK whose visible digits agree with the
    inmate's NIK, with the same birth date and a similar name (rules.match.PROBABLE_THRESHOLD).
    Among several candidates: a full-NIK match first, then the most similar name."""
    by_nik = defaultdict(list)
    by_birth = defaultdict(list)
    for inmate in inmates:
        if inmate.nik:
            by_nik[inmate.nik].append(inmate)
        by_birth[inmate.tanggal_lahir].append(inmate)
    found = {}
    for entry in entries:
        nik = entry.nik or ""
        if nik and "*" not in nik and by_nik.get(nik):
            # One person with several rows (re-admitted): the one still inside, else the latest.
            found[entry.pk] = min(by_nik[nik], key=lambda i: (i.tanggal_keluar is not None, -i.pk))
            continue
        if not nik_rules.is_masked(nik):
            continue
        scored = []
        for inmate in by_birth.get(entry.tanggal_lahir, ()):
            if not nik_rules.masked_matches(nik, inmate.nik):
                continue
            score = name_similarity(entry.nama, inmate.nama)
            if score >= PROBABLE_THRESHOLD:
                scored.append((-score, inmate.pk, inmate))
        if scored:
            found[entry.pk] = min(scored)[2]
    return found


def notice_recipients(election, tps, block=None):
    """The voters of ``tps`` who get a letter (DOMAIN.md §5.1), in list order (DPT, then DPTb,
    then DPK, by position): every list entry matched (``match_list_entries``) to an inmate of
    the facility who is expected inside on polling day. A person listed twice keeps the first
    entry. ``block`` keeps one cell block (the inmate's ``blok``)."""
    # The TPS's few lists in one query and attached by hand: a select_related would decode each
    # list's JSON summary once per entry (bench/README.md, "Load test").
    lists = {v.pk: v for v in VoterList.objects.filter(election=election, tps=tps)}
    entries = list(ListEntry.objects.filter(voter_list_id__in=list(lists)).order_by()
                   .defer(*UNUSED_ENTRY_FIELDS))
    for entry in entries:
        entry.voter_list = lists[entry.voter_list_id]
    entries.sort(key=lambda e: (list_rank(e.voter_list.kind), e.position))
    # Only inmates that match_list_entries can pair with an entry: an equal full NIK, or the
    # birth date of a masked entry. Fields no letter or register reads are left unloaded.
    niks = {e.nik for e in entries if e.nik and "*" not in e.nik}
    births = {e.tanggal_lahir for e in entries if nik_rules.is_masked(e.nik)}
    candidates = (
        Inmate.objects.filter(facility_id=tps.facility_id)
        .expected_inside_on(election.polling_date)
        .filter(Q(nik__in=niks) | Q(tanggal_lahir__in=births))
        .only(*RECIPIENT_INMATE_FIELDS)
        if entries
        else []
    )
    inmates = [
        inmate for inmate in candidates if inmate.is_expected_inside_on(election.polling_date)
    ]
    matched = match_list_entries(entries, inmates)
    seen = set()
    recipients = []
    for entry in entries:
        inmate = matched.get(entry.pk)
        if inmate is None or inmate.pk in seen:
            continue
        seen.add(inmate.pk)
        if block and inmate.blok != block:
            continue
        recipients.append(Recipient(entry, inmate, entry.voter_list.kind, entry.position))
    return recipients
