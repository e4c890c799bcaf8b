"""Reads that several pages and services share."""

from django.utils import timezone

from . import matching
from .models import Election, TMSReason


def elections_for(user):
    return Election.objects.filter(tps_set__in=user.tps_queryset()).distinct()


def current_election(user, code=None):
    """The election a page is about: the one asked for, else the next polling day, else the
    most recent."""
    elections = elections_for(user)
    if code:
        return elections.filter(code=code).first()
    today = timezone.localdate()
    upcoming = elections.filter(polling_date__gte=today).order_by("polling_date").first()
    return upcoming or elections.order_by("-polling_date").first()


def as_matching_inmate(inmate):
    return matching.Inmate(
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
    return matching.Election(
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
    return {key: rows.get(key, default) for key, default in matching.TMS_REASONS.items()}


def ineligibility(inmate, election, table=None):
    """[(code, label)] of each reason this inmate may not vote in this election; [] = eligible."""
    table = table or tms_table()
    keys = matching.tms_reasons(as_matching_inmate(inmate), as_matching_election(election))
    return [table[k] for k in keys]
