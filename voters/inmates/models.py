"""Inmates (WBP), their custody history and their NIK verification lifecycle."""

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from voters.core import choices
from voters.rules import custody


class InmateQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(facility__in=user.facilities())

    @staticmethod
    def inside_q(day):
        """rules.custody.inside_on as a condition (tests/test_rules.py checks they agree)."""
        return models.Q(tanggal_masuk__lte=day) & (
            models.Q(tanggal_keluar__isnull=True) | models.Q(tanggal_keluar__gt=day)
        )

    @staticmethod
    def expected_inside_q(day):
        """rules.custody.expected_inside_on as a condition (tests/test_rules.py)."""
        return (
            models.Q(tanggal_masuk__lte=day, tanggal_keluar__isnull=True)
            & ~models.Q(register__istartswith="B", tanggal_bebas__lte=day)
            & ~models.Q(jenis_keluar="meninggal")
        )

    def inside_on(self, day):
        return self.filter(self.inside_q(day))

    def expected_inside_on(self, day):
        return self.filter(self.expected_inside_q(day))

    def custody_counts(self, *, today, polling=None):
        """In one query: every inmate of this set, those inside today, and (with a polling day)
        those expected inside then and those inside today who are not."""
        counts = {
            "total": models.Count("pk"),
            "inside": models.Count("pk", filter=self.inside_q(today)),
        }
        if polling is not None:
            expected = self.expected_inside_q(polling)
            counts["expected"] = models.Count("pk", filter=expected)
            counts["leaving"] = models.Count("pk", filter=self.inside_q(today) & ~expected)
        return self.order_by().aggregate(**counts)


class NikStatus(models.TextChoices):
    """The verification lifecycle of one inmate's NIK (DOMAIN.md §1, §6.3)."""

    NOT_CHECKED = "not_checked", _("Belum diperiksa")
    FORMAT_INVALID = "format_invalid", _("Format NIK tidak sah")
    FORMAT_VALID = "format_valid", _("Format NIK sah")
    SENT = "sent", _("Dikirim ke Dukcapil")
    VERIFIED = "verified", _("Terverifikasi Dukcapil")
    NOT_FOUND = "not_found", _("Tidak ditemukan di Dukcapil")
    NOT_RECORDED = "not_recorded", _("Belum rekam KTP-el")
    RECORDING_SCHEDULED = "recording_scheduled", _("Perekaman dijadwalkan")
    RECORDED = "recorded", _("Sudah rekam KTP-el")
    BIOMETRIC_MATCH = "biometric_match", _("Ditemukan lewat biometrik")
    BIOMETRIC_NO_MATCH = "biometric_no_match", _("Biometrik tidak ditemukan")


# Which lifecycle steps may follow which. Imports and Dukcapil answers move along these edges;
# anything else is refused with a message.
NIK_TRANSITIONS = {
    NikStatus.NOT_CHECKED: {NikStatus.FORMAT_INVALID, NikStatus.FORMAT_VALID},
    NikStatus.FORMAT_INVALID: {
        NikStatus.FORMAT_VALID,
        NikStatus.SENT,
        NikStatus.RECORDING_SCHEDULED,
    },
    NikStatus.FORMAT_VALID: {NikStatus.FORMAT_INVALID, NikStatus.SENT, NikStatus.VERIFIED},
    NikStatus.SENT: {
        NikStatus.VERIFIED,
        NikStatus.NOT_FOUND,
        NikStatus.NOT_RECORDED,
        NikStatus.BIOMETRIC_MATCH,
        NikStatus.BIOMETRIC_NO_MATCH,
        NikStatus.FORMAT_INVALID,
        NikStatus.FORMAT_VALID,
    },
    NikStatus.VERIFIED: {NikStatus.FORMAT_INVALID, NikStatus.FORMAT_VALID, NikStatus.SENT},
    NikStatus.NOT_FOUND: {
        NikStatus.SENT,
        NikStatus.RECORDING_SCHEDULED,
        NikStatus.FORMAT_VALID,
        NikStatus.FORMAT_INVALID,
    },
    NikStatus.NOT_RECORDED: {
        NikStatus.RECORDING_SCHEDULED,
        NikStatus.SENT,
        NikStatus.FORMAT_VALID,
        NikStatus.FORMAT_INVALID,
    },
    NikStatus.RECORDING_SCHEDULED: {
        NikStatus.RECORDED,
        NikStatus.NOT_RECORDED,
        NikStatus.BIOMETRIC_MATCH,
        NikStatus.BIOMETRIC_NO_MATCH,
    },
    NikStatus.RECORDED: {
        NikStatus.SENT,
        NikStatus.VERIFIED,
        NikStatus.FORMAT_VALID,
        NikStatus.FORMAT_INVALID,
    },
    NikStatus.BIOMETRIC_MATCH: {
        NikStatus.VERIFIED,
        NikStatus.SENT,
        NikStatus.FORMAT_VALID,
        NikStatus.FORMAT_INVALID,
    },
    NikStatus.BIOMETRIC_NO_MATCH: {
        NikStatus.RECORDING_SCHEDULED,
        NikStatus.SENT,
        NikStatus.FORMAT_VALID,
        NikStatus.FORMAT_INVALID,
    },
}

@pghistory.track()
class Inmate(models.Model):
    """One WBP of a facility, with every field of the inmate file in CONTRACT.md."""

    Sex = choices.Sex
    Marital = choices.Marital

    class Citizenship(models.TextChoices):
        WNI = "WNI", "WNI"
        WNA = "WNA", "WNA"

    class ExitKind(models.TextChoices):
        NONE = "", _("—")
        BEBAS = "bebas", _("Bebas")
        MUTASI = "mutasi", _("Mutasi/pindah UPT")
        MENINGGAL = "meninggal", _("Meninggal")
        LAINNYA = "lainnya", _("Lainnya")

    # Indexed by "inmate_facility_versions" below (the plain foreign-key index would repeat it).
    facility = models.ForeignKey(
        "voters.Facility",
        on_delete=models.PROTECT,
        related_name="inmates",
        verbose_name=_("UPT"),
        db_index=False,
    )
    no_registrasi = models.CharField(_("nomor registrasi"), max_length=60)
    nama = models.CharField(_("nama"), max_length=200)
    aliases = models.CharField(_("nama lain/alias"), max_length=300, blank=True)
    nik = models.CharField(_("NIK"), max_length=40, blank=True, db_index=True)
    nik_format = models.CharField(_("format NIK"), max_length=10, default="blank")
    nik_issues = models.JSONField(_("catatan NIK"), default=list, blank=True)
    nik_status = models.CharField(
        _("status NIK"),
        max_length=20,
        choices=NikStatus,
        default=NikStatus.NOT_CHECKED,
        db_index=True,
    )
    nik_status_at = models.DateTimeField(_("status NIK sejak"), null=True, blank=True)
    no_kk = models.CharField(_("nomor KK"), max_length=40, blank=True)
    kk_format = models.CharField(_("format KK"), max_length=10, default="blank")
    tempat_lahir = models.CharField(_("tempat lahir"), max_length=100, blank=True)
    tanggal_lahir = models.DateField(_("tanggal lahir"))
    jenis_kelamin = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex)
    status_perkawinan = models.CharField(
        _("status perkawinan"), max_length=1, choices=Marital, default=Marital.BELUM
    )
    kewarganegaraan = models.CharField(
        _("kewarganegaraan"), max_length=3, choices=Citizenship, default=Citizenship.WNI
    )
    alamat = models.CharField(_("alamat KTP-el"), max_length=300, blank=True)
    kode_wilayah = models.CharField(_("kode wilayah KTP-el"), max_length=20, blank=True)
    register = models.CharField(_("register"), max_length=20, blank=True)
    tanggal_masuk = models.DateField(_("tanggal masuk"))
    tanggal_bebas = models.DateField(_("perkiraan bebas"), null=True, blank=True)
    tanggal_keluar = models.DateField(_("tanggal keluar"), null=True, blank=True)
    jenis_keluar = models.CharField(
        _("jenis keluar"), max_length=10, choices=ExitKind, blank=True, default=""
    )
    hak_pilih_dicabut = models.BooleanField(_("hak pilih dicabut"), default=False)
    putusan_pencabutan = models.CharField(_("nomor putusan pencabutan"), max_length=200, blank=True)
    tni_polri = models.BooleanField(_("anggota TNI/Polri aktif"), default=False)
    blok = models.CharField(_("blok hunian"), max_length=60, blank=True)
    keterangan = models.TextField(_("keterangan"), blank=True)
    row_hash = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = InmateQuerySet.as_manager()

    class Meta:
        ordering = ["nama", "no_registrasi"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "no_registrasi"], name="inmate_unique_registration"
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "tanggal_keluar"]),
            models.Index(fields=["facility", "blok"]),
            models.Index(fields=["tanggal_lahir"]),
            # The roster's order (views.inmate_list): one facility's page, and a regency
            # user's page over every facility of the region (bench/README.md, issue 19 item 7).
            models.Index(fields=["facility", "nama", "no_registrasi", "id"],
                         name="inmate_facility_roster"),
            models.Index(fields=["nama", "no_registrasi", "id"], name="inmate_roster_order"),
            # The roster's fingerprint (eligibility.roster_versions: per facility the number of
            # inmates, highest id, sum of versions, latest update) on every roster, home, NIK
            # and regency page: on PostgreSQL an index-only scan instead of reading every row
            # (bench/README.md, issue 19 item 7). Replaces the foreign key's own index.
            models.Index(
                fields=["facility"], include=["id", "version", "updated_at"],
                name="inmate_facility_versions",
            ),
        ]
        verbose_name = _("WBP")
        verbose_name_plural = _("WBP")

    def __str__(self):
        return f"{self.nama} ({self.no_registrasi})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("inmate_detail", args=[self.pk])

    @property
    def is_tahanan(self):
        return custody.is_tahanan(self.register)

    @property
    def is_narapidana(self):
        return custody.is_narapidana(self.register)

    @property
    def is_dead(self):
        return self.jenis_keluar == self.ExitKind.MENINGGAL

    def is_inside_on(self, day):
        return custody.inside_on(admitted=self.tanggal_masuk, left_on=self.tanggal_keluar, day=day)

    def is_expected_inside_on(self, day):
        return custody.expected_inside_on(
            admitted=self.tanggal_masuk,
            left_on=self.tanggal_keluar,
            expected_release=self.tanggal_bebas,
            dead=self.is_dead,
            day=day,
            register=self.register,
        )

    def order_ends_by(self, day):
        """A detainee whose detention order ends on or before ``day``: to be confirmed."""
        return custody.order_ends_by(
            register=self.register, expected_release=self.tanggal_bebas, day=day
        )

    def alias_list(self):
        return [a.strip() for a in self.aliases.replace(";", ",").split(",") if a.strip()]


class CustodyEvent(models.Model):
    """A dated change in custody, so that who was inside on a date is computed, not typed."""

    class Kind(models.TextChoices):
        ADMISSION = "admission", _("Penerimaan")
        TRANSFER_IN = "transfer_in", _("Pindahan masuk")
        TRANSFER_OUT = "transfer_out", _("Mutasi keluar")
        RELEASE = "release", _("Bebas/keluar")
        DEATH = "death", _("Meninggal")
        RECLASSIFIED = "reclassified", _("Perubahan register (tahanan → narapidana)")
        RELEASE_DATE = "release_date", _("Perkiraan bebas berubah")
        VOTE_REVOKED = "vote_revoked", _("Hak pilih dicabut putusan pengadilan")
        VOTE_RESTORED = "vote_restored", _("Pencabutan hak pilih dihapus")
        RETURNED = "returned", _("Kembali masuk")

    inmate = models.ForeignKey(Inmate, on_delete=models.CASCADE, related_name="custody_events")
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind)
    date = models.DateField(_("tanggal"))
    detail = models.CharField(_("rincian"), max_length=300, blank=True)
    reference = models.CharField(_("nomor putusan/berita acara"), max_length=200, blank=True)
    batch = models.ForeignKey(
        "voters.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "created_at", "pk"]
        verbose_name = _("peristiwa penahanan")
        verbose_name_plural = _("peristiwa penahanan")

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


class NikTransition(models.Model):
    """One dated step of an inmate's NIK lifecycle, with who made it and the evidence."""

    inmate = models.ForeignKey(Inmate, on_delete=models.CASCADE, related_name="nik_transitions")
    from_status = models.CharField(max_length=20, choices=NikStatus)
    to_status = models.CharField(max_length=20, choices=NikStatus)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence = models.CharField(_("bukti"), max_length=300, blank=True)
    batch = models.ForeignKey(
        "voters.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("perubahan status NIK")
        verbose_name_plural = _("perubahan status NIK")

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class DukcapilRequest(models.Model):
    """A verification request sent to Dukcapil: which inmates, when, by whom, which file."""

    facility = models.ForeignKey(
        "voters.Facility", on_delete=models.PROTECT, related_name="dukcapil_requests"
    )
    inmates = models.ManyToManyField(Inmate, related_name="dukcapil_requests")
    reference = models.CharField(_("nomor surat"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("permintaan verifikasi Dukcapil")
        verbose_name_plural = _("permintaan verifikasi Dukcapil")

    def __str__(self):
        return f"Permintaan Dukcapil #{self.pk} ({self.created_at:%d-%m-%Y})"

    @property
    def facility_for_access(self):
        return self.facility_id


class TMSReason(models.Model):
    """Not-eligible ("tidak memenuhi syarat") reasons as data (DOMAIN.md §2.1)."""

    key = models.SlugField(unique=True, help_text=_("kunci yang dipakai aturan kelayakan"))
    code = models.CharField(_("kode TMS"), max_length=10, blank=True)
    label = models.CharField(_("keterangan"), max_length=200)
    confirmed = models.BooleanField(_("terkonfirmasi sumber resmi"), default=True)

    class Meta:
        ordering = ["code", "key"]
        verbose_name = _("alasan TMS")
        verbose_name_plural = _("alasan TMS")

    def __str__(self):
        return f"{self.code} {self.label}".strip()


class StaffMember(models.Model):
    """An officer of a facility (CONTRACT.md "Staff roster", ``import_staff``). Officers are often
    on the facility's TPS lists, where they vote on duty: the reconciliation names them PETUGAS
    instead of "unknown". Each import replaces the facility's roster whole."""

    facility = models.ForeignKey(
        "voters.Facility", on_delete=models.CASCADE, related_name="staff", verbose_name=_("UPT")
    )
    nik = models.CharField(_("NIK"), max_length=40)
    nik_valid = models.BooleanField(_("NIK sah"), default=False)
    name = models.CharField(_("nama"), max_length=200)
    birth_date = models.DateField(_("tanggal lahir"))
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Inmate.Sex)
    nip = models.CharField(_("NIP"), max_length=40, blank=True)
    position = models.CharField(_("jabatan"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("diimpor"), default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("petugas UPT")
        verbose_name_plural = _("petugas UPT")
        indexes = [models.Index(fields=["facility", "nik"], name="staff_facility_nik")]

    def __str__(self):
        return self.name

