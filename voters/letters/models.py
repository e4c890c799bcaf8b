"""Notification letters (Formulir Model C.Pemberitahuan), their delivery and polling day.

DOMAIN.md §5.1: the letter's form name and text differ between Pemilu and Pilkada and are not
all confirmed, so they are data of each election (``NoticeTemplate``), editable in the admin.
A ``LetterBatch`` is the job row of one rendered PDF. ``LetterDelivery`` is the tanda-terima
register, one row per voter of a TPS; ``PollingCheckIn`` is the polling-day register.

A voter is identified by ``voter_key``: ``wbp:<inmate id>`` when the list entry is matched to
an inmate, else ``entri:<fingerprint of NIK, name and birth date>``. KPU lists are replaced
whole on every import, so rows here never point at a list entry.
"""

import datetime as dt
import re
from collections.abc import Iterable

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from voters.core.models import Job
from voters.rules import classify

HHMM = re.compile(r"^([01]\d|2[0-3])[:.]([0-5]\d)$")


def parse_hhmm(value):
    match = HHMM.match(str(value or "").strip())
    if not match:
        return None
    return dt.time(int(match[1]), int(match[2]))


def validate_windows(value):
    """A list of {"from": "HH:MM", "to": "HH:MM", "label": optional} with from < to."""
    if not isinstance(value, list):
        raise ValidationError(_("Saran waktu kehadiran harus berupa daftar."))
    for i, window in enumerate(value, start=1):
        if not isinstance(window, dict):
            raise ValidationError(_("Saran waktu ke-%(n)s tidak sah."), params={"n": i})
        start, end = parse_hhmm(window.get("from")), parse_hhmm(window.get("to"))
        if start is None or end is None or start >= end:
            raise ValidationError(
                _("Saran waktu ke-%(n)s: isi 'from' dan 'to' sebagai JJ:MM, mulai sebelum akhir."),
                params={"n": i},
            )


# Default texts. The Pemilu wording follows the Formulir Model C.Pemberitahuan-KPU of 2024
# (DOMAIN.md §5.1); for a Pilkada the form name and text are unconfirmed (DOMAIN.md §7), so the
# default is marked unconfirmed until an admin checks it against the KPU's form.
DEFAULT_NOTES = "\n".join(
    [
        "Bawalah KTP-el, Surat Keterangan perekaman KTP-el dari Dinas Dukcapil, atau dokumen "
        "kependudukan lainnya yang memuat identitas dan foto diri saat datang ke TPS.",
        "Pemilih penyandang disabilitas dapat dibantu oleh orang lain atas permintaan pemilih.",
        "Pemilih yang datang di luar saran waktu kehadiran tetap dilayani selama TPS dibuka.",
    ]
)
# The form's signature block, one line per " / ": no place or date line (DOMAIN.md §5.1).
DEFAULT_SIGNATURE = "KELOMPOK PENYELENGGARA PEMUNGUTAN SUARA / KETUA"
# The first defaults (migration 0006): migration 0015 moves the templates that still hold them
# untouched to the texts above (issue 17).
FIRST_NOTES = "\n".join(
    [
        "Bawalah KTP-el, Surat Keterangan perekaman KTP-el dari Dukcapil, atau identitas lain "
        "yang berfoto saat datang ke TPS.",
        "Surat pemberitahuan ini tidak wajib dibawa bila nama Anda tercantum dalam daftar "
        "pemilih.",
        "Pemilih penyandang disabilitas dapat dibantu oleh orang lain atas permintaan pemilih.",
        "Pemilih yang datang di luar saran waktu kehadiran tetap dilayani selama TPS dibuka.",
    ]
)
FIRST_SIGNATURE = "Ketua KPPS"

# Ballot instructions: a line that starts with ballot codes in brackets ("[GUB]", "[BUP,
# WALKOT]"; the codes of rules.classify) explains those ballots and is printed only for a voter
# who gets one of them; a line without them is printed for every voter who gets a ballot.
BALLOT_CODES = frozenset(classify.PILKADA_BALLOTS + classify.PEMILU_BALLOTS)
BALLOT_TAG = re.compile(r"^\[([^\]]*)\]\s*")
DEFAULT_BALLOTS = {
    "pilkada": "\n".join(
        [
            "[GUB] Surat suara Pemilihan Gubernur dan Wakil Gubernur: coblos satu kali pada "
            "nomor urut, foto, atau nama salah satu pasangan calon.",
            "[BUP, WALKOT] Surat suara Pemilihan Bupati/Wali Kota dan Wakilnya: coblos satu "
            "kali pada nomor urut, foto, atau nama salah satu pasangan calon.",
        ]
    ),
    "pemilu": "\n".join(
        [
            "[PPWP] PPWP (abu-abu): coblos satu kali pada nomor urut, foto, atau nama pasangan "
            "calon.",
            "[DPR] DPR (kuning): coblos satu kali pada nomor urut, tanda gambar partai, atau "
            "nama calon.",
            "[DPD] DPD (merah): coblos satu kali pada nomor urut, foto, atau nama calon.",
            "[DPRD_PROV] DPRD Provinsi (biru): coblos satu kali pada nomor urut, tanda gambar "
            "partai, atau nama calon.",
            "[DPRD_KAB] DPRD Kabupaten/Kota (hijau): coblos satu kali pada nomor urut, tanda "
            "gambar partai, atau nama calon.",
        ]
    ),
}
DEFAULT_WARNINGS = {
    "pilkada": "Setiap orang yang dengan sengaja mengaku dirinya sebagai orang lain atau "
    "memberikan suaranya lebih dari satu kali dapat dipidana menurut Undang-Undang Pemilihan.",
    "pemilu": "Setiap orang yang dengan sengaja pada saat pemungutan suara mengaku dirinya "
    "sebagai orang lain dan/atau memberikan suaranya lebih dari 1 (satu) kali di 1 (satu) TPS "
    "atau lebih dipidana sesuai Pasal 533 Undang-Undang Nomor 7 Tahun 2017 tentang Pemilihan "
    "Umum.",
}
DEFAULT_FORM_NAMES = {
    "pilkada": "Model C.Pemberitahuan-KWK",
    "pemilu": "Model C.Pemberitahuan-KPU",
}
# The first default lines had no codes: templates made with them keep working, each line for
# the ballots it names.
FIRST_BALLOT_LINES = {
    "Surat suara Pemilihan Gubernur dan Wakil Gubernur: coblos satu kali pada nomor urut, "
    "foto, atau nama salah satu pasangan calon.": ("GUB",),
    "Surat suara Pemilihan Bupati/Wali Kota dan Wakilnya: coblos satu kali pada nomor urut, "
    "foto, atau nama salah satu pasangan calon.": ("BUP", "WALKOT"),
    "PPWP (abu-abu): coblos satu kali pada nomor urut, foto, atau nama pasangan calon.":
        ("PPWP",),
    "DPR (kuning), DPRD Provinsi (biru), DPRD Kabupaten/Kota (hijau): coblos satu kali pada "
    "nomor urut, tanda gambar partai, atau nama calon.": ("DPR", "DPRD_PROV", "DPRD_KAB"),
    "DPD (merah): coblos satu kali pada nomor urut, foto, atau nama calon.": ("DPD",),
}


def _tag_codes(line: str) -> tuple[str, ...] | None:
    """The codes of a line's leading "[...]", None when it has none."""
    found = BALLOT_TAG.match(line)
    if found is None:
        return None
    return tuple(c.strip().upper() for c in found[1].split(",") if c.strip())


def ballot_tag(line: str) -> tuple[tuple[str, ...], str]:
    """(ballot codes, text) of one instruction line; no codes for a line meant for everyone.
    Brackets that are not all ballot codes are part of the text."""
    line = line.strip()
    codes = _tag_codes(line)
    if codes and set(codes) <= BALLOT_CODES:
        return codes, BALLOT_TAG.sub("", line, count=1).strip()
    return FIRST_BALLOT_LINES.get(line, ()), line


def validate_ballot_instructions(value: str) -> None:
    """Every line's leading "[...]" names ballots of rules.classify."""
    for n, line in enumerate(str(value or "").splitlines(), start=1):
        codes = _tag_codes(line.strip())
        if codes is not None and not (codes and set(codes) <= BALLOT_CODES):
            raise ValidationError(
                _("Baris %(n)s: kode surat suara di antara [ ] tidak dikenal; pakai %(known)s."),
                params={"n": n, "known": ", ".join(sorted(BALLOT_CODES))},
            )


def default_windows(election):
    """Hourly windows from the opening until the DPK hour (or the close)."""
    start = dt.datetime.combine(election.polling_date, election.voting_start)
    last = election.dpk_start or election.voting_end
    if not last or last <= election.voting_start:
        last = election.voting_end
    stop = dt.datetime.combine(election.polling_date, last)
    windows = []
    while start < stop:
        end = min(start + dt.timedelta(hours=1), stop)
        windows.append({"from": f"{start:%H:%M}", "to": f"{end:%H:%M}"})
        start = end
    return windows


@pghistory.track()
class NoticeTemplate(models.Model):
    """The wording of one election's notification letter (one per election)."""

    election = models.OneToOneField(
        "voters.Election",
        on_delete=models.CASCADE,
        related_name="notice_template",
        verbose_name=_("pemilihan"),
    )
    form_name = models.CharField(
        _("nama formulir"),
        max_length=80,
        help_text=_("Mis. Model C.Pemberitahuan-KWK (Pilkada) atau Model C.Pemberitahuan-KPU."),
    )
    title = models.CharField(
        _("judul"), max_length=200, default="SURAT PEMBERITAHUAN PEMUNGUTAN SUARA KEPADA PEMILIH"
    )
    election_title = models.CharField(
        _("nama pemilihan pada surat"),
        max_length=300,
        blank=True,
        help_text=_("Kosong = nama pemilihan dalam huruf kapital."),
    )
    opening = models.TextField(
        _("kalimat undangan"),
        default="Dengan ini kami mengundang Saudara/i untuk memberikan suara pada:",
    )
    notes = models.TextField(_("catatan (satu per baris)"), blank=True, default=DEFAULT_NOTES)
    ballot_instructions = models.TextField(
        _("cara memberikan suara (satu per baris)"), blank=True,
        help_text=_(
            "Satu per baris. Awali baris dengan kode surat suara dalam kurung siku, mis. "
            "[GUB] atau [BUP, WALKOT] (Pemilu: [PPWP], [DPR], [DPD], [DPRD_PROV], [DPRD_KAB]): "
            "baris itu hanya dicetak untuk pemilih yang mendapat surat suara tersebut. Baris "
            "tanpa kode dicetak untuk semua pemilih."
        ),
    )
    warning = models.TextField(_("peringatan"), blank=True)
    arrival_windows = models.JSONField(
        _("saran waktu kehadiran"),
        default=list,
        blank=True,
        validators=[validate_windows],
        help_text=_(
            'Daftar jendela waktu, mis. [{"from": "07:00", "to": "08:00"}, ...]. Pemilih dibagi '
            "rata menurut urutan daftar. Pemilih DPTb dan DPK hanya mendapat jendela mulai jam "
            "DPTb/DPK pemilihan ini. Kosong = per jam dari pembukaan sampai jam DPK."
        ),
    )
    signature_title = models.CharField(
        _("jabatan penanda tangan"), max_length=100, default=DEFAULT_SIGNATURE,
        help_text=_("Satu baris per ' / ', mis. KELOMPOK PENYELENGGARA PEMUNGUTAN SUARA / KETUA."),
    )
    signature_place = models.CharField(
        _("tempat penandatanganan"),
        max_length=100,
        blank=True,
        help_text=_("Kosong = tanpa baris tempat dan tanggal, seperti formulir resmi."),
    )
    text_confirmed = models.BooleanField(
        _("teks sudah dicocokkan dengan formulir resmi"),
        default=False,
        help_text=_("Centang setelah nama formulir dan teks dicocokkan dengan formulir KPU."),
    )
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("teks C.Pemberitahuan")
        verbose_name_plural = _("teks C.Pemberitahuan")

    def __str__(self):
        return f"{self.form_name} — {self.election}"

    @classmethod
    def defaults_for(cls, election):
        kind = election.kind if election.kind in DEFAULT_FORM_NAMES else "pilkada"
        return {
            "form_name": DEFAULT_FORM_NAMES[kind],
            "ballot_instructions": DEFAULT_BALLOTS[kind],
            "warning": DEFAULT_WARNINGS[kind],
            "notes": DEFAULT_NOTES,
            "signature_title": DEFAULT_SIGNATURE,
            "arrival_windows": default_windows(election),
            # The Pemilu 2024 form is sourced (DOMAIN.md §5.1); the Pilkada one is not.
            "text_confirmed": False,
        }

    @classmethod
    def for_election(cls, election):
        """The election's template, created with the defaults of its kind when missing."""
        template, _created = cls.objects.get_or_create(
            election=election, defaults=cls.defaults_for(election)
        )
        return template

    @property
    def heading(self):
        return self.election_title or self.election.name.upper()

    def note_lines(self):
        return [line.strip() for line in self.notes.splitlines() if line.strip()]

    def ballot_lines(self, ballots: Iterable[str] | None = None) -> list[str]:
        """The instructions for a voter who gets ``ballots`` (codes of rules.classify), in the
        template's order, without their codes: a coded line only when the voter gets one of
        its ballots; none at all for a voter who gets no ballot. None: every line (the ballots
        are not known)."""
        wanted = None if ballots is None else {str(b).upper() for b in ballots}
        if wanted is not None and not wanted:
            return []
        lines = []
        for raw in self.ballot_instructions.splitlines():
            codes, text = ballot_tag(raw.strip())
            if text and (wanted is None or not codes or wanted & set(codes)):
                lines.append(text)
        return lines

    def signature_lines(self) -> list[str]:
        """The signature block, one line per " / " of ``signature_title``."""
        return [part for part in re.split(r"\s+/\s+", self.signature_title.strip()) if part]

    def clean(self) -> None:
        try:
            validate_ballot_instructions(self.ballot_instructions)
        except ValidationError as exc:
            raise ValidationError({"ballot_instructions": exc.messages}) from exc

    def windows(self):
        """[(from, to, label)] as times, in order; the election's defaults when none are set."""
        raw = self.arrival_windows or default_windows(self.election)
        out = []
        for window in raw:
            start, end = parse_hhmm(window.get("from")), parse_hhmm(window.get("to"))
            if start and end and start < end:
                out.append((start, end, str(window.get("label") or "")))
        return sorted(out)


class LetterBatch(Job):
    """One rendered PDF of letters for a TPS (optionally one cell block)."""

    election = models.ForeignKey(
        "voters.Election", on_delete=models.CASCADE, related_name="letter_batches",
        verbose_name=_("pemilihan"),
    )
    tps = models.ForeignKey(
        "voters.TPS", on_delete=models.CASCADE, related_name="letter_batches",
        verbose_name=_("TPS"),
    )
    block = models.CharField(_("blok"), max_length=60, blank=True)
    file_path = models.CharField(max_length=500, blank=True)
    page_count = models.PositiveIntegerField(_("jumlah halaman"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(_("ringkasan"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("cetakan surat pemberitahuan")
        verbose_name_plural = _("cetakan surat pemberitahuan")

    def __str__(self):
        where = f"TPS {self.tps.number}" + (f" blok {self.block}" if self.block else "")
        return f"Surat pemberitahuan {where} ({self.created_at:%d-%m-%Y %H:%M})"

    @property
    def facility_for_access(self):
        return self.tps.facility_id

    @property
    def file_name(self):
        block = f"-blok-{slug(self.block)}" if self.block else ""
        return f"c-pemberitahuan-{self.election.code}-tps{self.tps.number}{block}-{self.pk}.pdf"


def slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


class VoterSnapshot(models.Model):
    """Who a row is about, copied from the list at the time (lists are replaced on import)."""

    election = models.ForeignKey(
        "voters.Election", on_delete=models.CASCADE, related_name="+", verbose_name=_("pemilihan")
    )
    tps = models.ForeignKey(
        "voters.TPS", on_delete=models.CASCADE, related_name="+", verbose_name=_("TPS")
    )
    voter_key = models.CharField(max_length=80)
    inmate = models.ForeignKey(
        "voters.Inmate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("WBP"),
    )
    list_kind = models.CharField(_("daftar"), max_length=4)
    list_number = models.PositiveIntegerField(_("nomor urut"), null=True, blank=True)
    nama = models.CharField(_("nama"), max_length=200)
    jenis_kelamin = models.CharField(_("L/P"), max_length=1, blank=True)

    class Meta:
        abstract = True

    @property
    def facility_for_access(self):
        return self.tps.facility_id


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class LetterDelivery(VoterSnapshot):
    """The tanda-terima register: what happened to one voter's letter (DOMAIN.md §5.1)."""

    class Status(models.TextChoices):
        DELIVERED = "delivered", _("Diterima pemilih")
        DELIVERED_TO_PROXY = "delivered_to_proxy", _("Diterima keluarga/wakil")
        UNDELIVERABLE = "undeliverable", _("Tidak dapat disampaikan")

    class Reason(models.TextChoices):
        MENINGGAL = "meninggal", _("Meninggal dunia")
        PINDAH_DOMISILI = "pindah_domisili", _("Pindah domisili")
        PINDAH_MEMILIH = "pindah_memilih", _("Pindah memilih")
        TIDAK_DIKENAL = "tidak_dikenal", _("Tidak dikenal")
        TIDAK_DI_TEMPAT = "tidak_di_tempat", _("Tidak di tempat / keluar rutan")
        LAINNYA = "lainnya", _("Lainnya")

    status = models.CharField(_("status"), max_length=20, choices=Status)
    reason = models.CharField(_("alasan"), max_length=20, choices=Reason, blank=True)
    proxy_name = models.CharField(_("nama penerima (keluarga/wakil)"), max_length=200,
                                  blank=True)
    delivered_on = models.DateField(_("tanggal"))
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("petugas"),
    )
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("dicatat"), default=timezone.now)

    class Meta:
        ordering = ["tps", "list_kind", "list_number"]
        constraints = [
            models.UniqueConstraint(fields=["tps", "voter_key"], name="letter_delivery_unique"),
        ]
        verbose_name = _("tanda terima surat pemberitahuan")
        verbose_name_plural = _("tanda terima surat pemberitahuan")

    def __str__(self):
        return f"{self.nama}: {self.get_status_display()}"

    def clean(self):
        if self.status == self.Status.UNDELIVERABLE and not self.reason:
            raise ValidationError({"reason": _("Pilih alasan surat tidak dapat disampaikan.")})
        if self.status == self.Status.DELIVERED_TO_PROXY and not self.proxy_name.strip():
            raise ValidationError({"proxy_name": _("Isi nama keluarga/wakil yang menerima.")})
        if self.status != self.Status.UNDELIVERABLE:
            self.reason = ""
        if self.status != self.Status.DELIVERED_TO_PROXY:
            self.proxy_name = ""

    @property
    def is_delivered(self):
        return self.status in (self.Status.DELIVERED, self.Status.DELIVERED_TO_PROXY)


@pghistory.track()
class PollingCheckIn(VoterSnapshot):
    """A voter who used the right to vote at the TPS; undone rows are kept with their reason."""

    nik = models.CharField(_("NIK"), max_length=40, blank=True,
                           help_text=_("Diisi untuk pemilih DPK yang ditambahkan di TPS."))
    tanggal_lahir = models.DateField(_("tanggal lahir"), null=True, blank=True)
    alamat = models.CharField(_("alamat KTP-el"), max_length=300, blank=True)
    kode_wilayah = models.CharField(_("kode wilayah KTP-el"), max_length=20, blank=True)
    disabilitas = models.BooleanField(_("penyandang disabilitas"), default=False)
    is_dpk_addition = models.BooleanField(_("DPK ditambahkan di TPS"), default=False)
    voted_at = models.DateTimeField(_("waktu hadir"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )
    undone_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dibatalkan oleh"),
    )
    undo_reason = models.CharField(_("alasan pembatalan"), max_length=300, blank=True)

    class Meta:
        ordering = ["voted_at", "pk"]
        constraints = [
            # One vote per person per election, whichever TPS list they appear on.
            models.UniqueConstraint(
                fields=["election", "voter_key"],
                condition=models.Q(undone_at__isnull=True),
                name="polling_checkin_one_vote",
            ),
        ]
        indexes = [models.Index(fields=["tps", "undone_at"])]
        verbose_name = _("daftar hadir pemilih")
        verbose_name_plural = _("daftar hadir pemilih")

    def __str__(self):
        return f"{self.nama} ({self.list_kind} {self.list_number or '-'})"

    @property
    def is_active(self):
        return self.undone_at is None


@pghistory.track()
class KskVisit(models.Model):
    """The visit of a KSK TPS's mobile ballot box (Kotak Suara Keliling) to the facility it
    serves (DOMAIN.md §4, "Police cells"): when, and who went. One per TPS; the people it met are
    ``KskVoter`` rows. Versioned: the KPPS members and an admin may edit it at once."""

    tps = models.OneToOneField(
        "voters.TPS", on_delete=models.CASCADE, related_name="ksk_visit", verbose_name=_("TPS")
    )
    starts_at = models.TimeField(_("mulai kunjungan"), default=dt.time(12, 0))
    ends_at = models.TimeField(_("selesai kunjungan"), default=dt.time(13, 0))
    officers = models.CharField(
        _("yang berkunjung"), max_length=300, blank=True,
        help_text=_("Mis. 2 anggota KPPS, saksi, PTPS."),
    )
    note = models.CharField(_("catatan kunjungan"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("diubah oleh"),
    )

    class Meta:
        verbose_name = _("kunjungan KSK")
        verbose_name_plural = _("kunjungan KSK")

    def __str__(self):
        return f"KSK TPS {self.tps.number} {self.starts_at:%H.%M}–{self.ends_at:%H.%M}"

    @property
    def facility_for_access(self):
        return self.tps.facility_id


@pghistory.track()
class KskVoter(VoterSnapshot):
    """One voter of the facility as the KSK visit found them: voted (their vote is the TPS's
    ``PollingCheckIn``, so the counts at close hold it once) or did not, and why."""

    class Outcome(models.TextChoices):
        VOTED = "memilih", _("Memilih")
        ABSENT = "tidak_memilih", _("Tidak memilih")

    class Reason(models.TextChoices):
        SAKIT = "sakit", _("Sakit")
        DIPINDAHKAN = "dipindahkan", _("Dipindahkan ke tempat lain")
        DIBEBASKAN = "dibebaskan", _("Dibebaskan / sudah keluar")
        MENOLAK = "menolak", _("Menolak memilih")
        LAINNYA = "lainnya", _("Lainnya")

    visit = models.ForeignKey(
        KskVisit, on_delete=models.CASCADE, related_name="voters", verbose_name=_("kunjungan")
    )
    visited = models.BooleanField(_("ditemui petugas"), default=True)
    outcome = models.CharField(_("hasil"), max_length=20, choices=Outcome)
    reason = models.CharField(_("alasan tidak memilih"), max_length=20, choices=Reason,
                              blank=True)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    checkin = models.OneToOneField(
        PollingCheckIn, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="ksk_voter", verbose_name=_("catatan hadir"),
    )
    recorded_at = models.DateTimeField(_("dicatat"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("dicatat oleh"),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["visit", "list_kind", "list_number"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "voter_key"], name="ksk_voter_unique"),
        ]
        verbose_name = _("pemilih KSK")
        verbose_name_plural = _("pemilih KSK")

    def __str__(self):
        return f"{self.nama}: {self.get_outcome_display()}"
