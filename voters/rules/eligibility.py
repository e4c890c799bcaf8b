"""Who may vote on polling day (DOMAIN.md §2.1, §3.2): the person and the election as plain
values, the TMS reasons, the age on polling day, and why someone will not be inside then.

``Inmate`` and ``Election`` are the inputs of every rule here and of the matching
(``rules.match``) and classification (``rules.classify``) built on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from voters.rules import custody
from voters.rules import nik as nik_rules


class Sex(StrEnum):
    """Jenis kelamin as the roster and the KPU lists write it (the models' choices come from
    here: voters/core/choices.py)."""

    L = "L"
    P = "P"


class Marital(StrEnum):
    """Status perkawinan: a married (or once married) person under 17 may vote."""

    BELUM = "B"
    SUDAH = "S"
    PERNAH = "P"


VOTING_AGE = 17

# TMS reasons (DOMAIN.md §2.1). ``code`` is the coklit/SIDALIH code, None where no 2024 source
# confirms one (DOMAIN.md: codes 9+ are unconfirmed).
TMS_REASONS: dict[str, tuple[str | None, str]] = {
    "meninggal": ("1", "meninggal dunia"),
    "di_bawah_umur": (
        "3",
        "di bawah umur (belum 17 tahun pada hari pemungutan suara, belum kawin)",
    ),
    "tni_polri": ("6/7", "anggota TNI/Polri aktif"),
    "hak_pilih_dicabut": (None, "hak pilih dicabut putusan pengadilan"),
    "wna": (None, "bukan WNI (WNA)"),
}

LEFT_KIND_LABELS = {
    "bebas": "bebas",
    "mutasi": "mutasi/pindah ke UPT lain",
    "meninggal": "meninggal dunia",
    "lainnya": "alasan lain",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Inmate:
    """A person on the facility roster. ``nik_status`` '' means: derive it from ``nik``."""

    id: int
    nama: str
    birth_date: date
    admitted: date
    no_registrasi: str = ""
    aliases: tuple[str, ...] = ()
    nik: str = ""
    nik_status: str = ""  # 'valid' | 'invalid' | 'blank' | 'masked'
    sex: str = ""  # a Sex value, or ''
    marital: str = Marital.BELUM
    citizenship: str = "WNI"
    tni_polri: bool = False
    vote_revoked: bool = False
    dead: bool = False
    address_region: str = ""  # dotted Kemendagri code of the KTP-el address, or ''
    expected_release: date | None = None
    left_on: date | None = None
    left_kind: str = ""
    register_class: str = ""  # 'A.I'..'A.V' tahanan, 'B.*' narapidana
    # The Dukcapil lifecycle of the NIK (inmates.models.NikStatus): an answer "not found" or
    # "not recorded" makes the person PEREKAMAN whatever the NIK's format.
    dukcapil: str = ""

    def __post_init__(self) -> None:
        if not self.nik_status:
            object.__setattr__(self, "nik_status", str(nik_rules.check(self.nik).status))


@dataclass(frozen=True, slots=True, kw_only=True)
class Election:
    """The election the people of one facility vote in, and its deadlines and districts."""

    kind: str  # 'pilkada' | 'pemilu'
    polling_date: date
    region: str  # pilkada: the kabupaten/kota; pemilu: where the TPS is (down to kecamatan)
    races: tuple[str, ...] = ()  # pilkada: ('GUB', 'BUP'|'WALKOT'); empty = every race
    dptb_deadline_detainee: date | None = None  # H-7 when None
    dptb_deadline_general: date | None = None  # H-30 when None
    dpt_date: date | None = None  # penetapan DPT; None: the DPT counts as fixed
    # contest ('DPR', 'DPRD_PROV', 'DPRD_KAB') -> {region code: dapil name}
    dapil: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def deadline_detainee(self) -> date:
        return self.dptb_deadline_detainee or self.polling_date - timedelta(days=7)

    @property
    def deadline_general(self) -> date:
        return self.dptb_deadline_general or self.polling_date - timedelta(days=30)


def dmy(day: date) -> str:
    """A date as the reasons write it: 27-11-2024."""
    return day.strftime("%d-%m-%Y")


def age_on(birth_date: date, day: date) -> int:
    """Completed years on ``day``. Someone born on 29 February turns a year older on 1 March in
    a common year."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_inside_on(inmate: Inmate, day: date) -> bool:
    """Inside on ``day`` (rules.custody.inside_on)."""
    return custody.inside_on(admitted=inmate.admitted, left_on=inmate.left_on, day=day)


def keluar_reason(inmate: Inmate, election: Election) -> str:
    """Why the inmate is not inside on polling day ('' when they are): left, a convict's release
    expected by then, or admitted after it. A detainee whose detention order ends by then is
    inside (``order_end_note``)."""
    polling = election.polling_date
    if inmate.left_on is not None:
        kind = LEFT_KIND_LABELS.get(inmate.left_kind.strip().lower(), inmate.left_kind.strip())
        return f"keluar {dmy(inmate.left_on)}" + (f" ({kind})" if kind else "")
    if custody.release_expected_by(
        register=inmate.register_class, expected_release=inmate.expected_release, day=polling
    ):
        when = "pada" if inmate.expected_release == polling else "sebelum"
        return (
            f"dijadwalkan bebas {dmy(inmate.expected_release)}, {when} hari pemungutan suara"
            f" {dmy(polling)}"
        )
    if inmate.admitted > polling:
        return f"masuk {dmy(inmate.admitted)}, setelah hari pemungutan suara {dmy(polling)}"
    return ""


def order_end_note(inmate: Inmate, election: Election) -> str:
    """For a detainee whose current detention order ends on or before polling day: the date,
    to be confirmed (the order is usually extended); '' otherwise."""
    if not custody.order_ends_by(
        register=inmate.register_class,
        expected_release=inmate.expected_release,
        day=election.polling_date,
    ):
        return ""
    return (
        f"masa penahanan berakhir {dmy(inmate.expected_release)}; pastikan perpanjangannya "
        "(tahanan tetap dihitung berada di dalam)"
    )


def tms_reasons(inmate: Inmate, election: Election) -> tuple[str, ...]:
    """Keys of ``TMS_REASONS`` that apply, in table order."""
    found = set()
    if inmate.dead or inmate.left_kind.strip().lower() == "meninggal":
        found.add("meninggal")
    married = inmate.marital.strip().upper()[:1] in (Marital.SUDAH, Marital.PERNAH)
    if age_on(inmate.birth_date, election.polling_date) < VOTING_AGE and not married:
        found.add("di_bawah_umur")
    if inmate.tni_polri:
        found.add("tni_polri")
    if inmate.vote_revoked:
        found.add("hak_pilih_dicabut")
    if inmate.citizenship.strip().upper() == "WNA":
        found.add("wna")
    return tuple(key for key in TMS_REASONS if key in found)


def tms_text(keys: Sequence[str]) -> str:
    """The TMS reasons in words, each with its coklit code where one is confirmed."""
    parts = []
    for key in keys:
        code, label = TMS_REASONS[key]
        parts.append(f"{label} (kode {code})" if code else label)
    return "; ".join(parts)
