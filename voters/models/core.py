"""Facilities, elections, TPS and the people who use the system."""

from datetime import time, timedelta

import pghistory
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from voters import wilayah


def validate_region(value):
    if not wilayah.normalize_code(value):
        raise ValidationError(_("Kode wilayah %(v)s tidak dikenali."), params={"v": value})


@pghistory.track()
class Facility(models.Model):
    """A UPT (Rutan, Lapas, LPKA) or another place with inmates, such as police cells."""

    class Kind(models.TextChoices):
        RUTAN = "rutan", _("Rumah Tahanan Negara (Rutan)")
        LAPAS = "lapas", _("Lembaga Pemasyarakatan (Lapas)")
        LPKA = "lpka", _("Lembaga Pembinaan Khusus Anak (LPKA)")
        CABRUTAN = "cabrutan", _("Cabang Rutan")
        POLRES = "polres", _("Rumah tahanan Polres/Polsek")
        OTHER = "lainnya", _("Lainnya")

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind, default=Kind.RUTAN)
    region_code = models.CharField(
        _("kode wilayah"),
        max_length=20,
        validators=[validate_region],
        help_text=_("Kode Kemendagri kabupaten/kota atau lebih rinci, mis. 33.16"),
    )
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    head_name = models.CharField(_("nama kepala UPT"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("UPT")
        verbose_name_plural = _("UPT")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.region_code = wilayah.normalize_code(self.region_code) or self.region_code
        super().save(*args, **kwargs)

    @property
    def region_name(self):
        return wilayah.name(self.region_code) or self.region_code


@pghistory.track()
class Election(models.Model):
    """An election, with the rules that DOMAIN.md marks as unconfirmed kept here as data."""

    class Kind(models.TextChoices):
        PILKADA = "pilkada", _("Pilkada (Pemilihan Gubernur dan Bupati/Wali Kota)")
        PEMILU = "pemilu", _("Pemilu (Presiden, DPR, DPD, DPRD)")

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind)
    polling_date = models.DateField(_("hari pemungutan suara"))
    region_code = models.CharField(
        _("wilayah"),
        max_length=20,
        validators=[validate_region],
        help_text=_(
            "Pilkada: kabupaten/kota yang memilih bupati/wali kota. "
            "Pemilu: wilayah TPS, sampai kecamatan."
        ),
    )
    races = models.CharField(
        _("kontestasi"),
        max_length=60,
        blank=True,
        help_text=_("Dipisah koma. Pilkada: GUB, BUP atau WALKOT. Kosong = semua."),
    )
    # Deadlines as days before polling day (DOMAIN.md §0); editable per election.
    dptb_general_days = models.PositiveSmallIntegerField(
        _("batas pindah memilih umum (H-)"), default=30
    )
    dptb_special_days = models.PositiveSmallIntegerField(
        _("batas pindah memilih tahanan/terpidana (H-)"), default=7
    )
    letter_days = models.PositiveSmallIntegerField(
        _("batas pembagian C.Pemberitahuan (H-)"), default=3
    )
    letter_request_days = models.PositiveSmallIntegerField(
        _("batas pemilih meminta surat ke KPPS (H-)"), default=1
    )
    # Voting hours (DOMAIN.md §4; DPTb hours are unconfirmed for both kinds).
    voting_start = models.TimeField(_("mulai pemungutan"), default=time(7, 0))
    voting_end = models.TimeField(_("akhir pemungutan"), default=time(13, 0))
    dptb_start = models.TimeField(_("mulai untuk DPTb"), null=True, blank=True)
    dpk_start = models.TimeField(_("mulai untuk DPK"), default=time(12, 0))
    time_zone_label = models.CharField(_("zona waktu"), max_length=4, default="WIB")
    # UU 27/2022 Art. 42-44: personal data of this election is purged (purge_personal_data)
    # once this many days have passed after polling day, i.e. after the dispute window.
    retention_days = models.PositiveSmallIntegerField(
        _("masa simpan data pribadi (hari setelah pemungutan)"),
        default=180,
        help_text=_(
            "Setelah hari pemungutan ditambah masa ini (dan masa sengketa selesai), NIK, nomor KK "
            "dan tanggal lahir pada daftar, rekonsiliasi, surat dan WBP yang sudah keluar "
            "dihapus dengan perintah purge_personal_data."
        ),
    )

    class Meta:
        ordering = ["-polling_date"]
        verbose_name = _("pemilihan")
        verbose_name_plural = _("pemilihan")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.region_code = wilayah.normalize_code(self.region_code) or self.region_code
        self.races = ",".join(self.race_list)
        super().save(*args, **kwargs)

    @property
    def race_list(self):
        given = [r.strip().upper() for r in self.races.split(",") if r.strip()]
        if given:
            return given
        if self.kind == self.Kind.PEMILU:
            return ["PPWP", "DPR", "DPD", "DPRD_PROV", "DPRD_KAB"]
        return ["GUB", "WALKOT" if self.is_city else "BUP"]

    @property
    def is_city(self):
        regency = wilayah.regency_of(self.region_code)
        return bool(regency) and int(regency[-2:]) >= 71

    @property
    def default_tps_capacity(self):
        return 300 if self.kind == self.Kind.PEMILU else 600

    def days_before(self, days):
        return self.polling_date - timedelta(days=days)

    @property
    def dptb_deadline_general(self):
        return self.days_before(self.dptb_general_days)

    @property
    def dptb_deadline_detainee(self):
        return self.days_before(self.dptb_special_days)

    @property
    def letter_deadline(self):
        return self.days_before(self.letter_days)

    @property
    def letter_request_deadline(self):
        return self.days_before(self.letter_request_days)

    def deadlines(self):
        """The dated milestones, in order, for timelines and dashboards."""
        return [
            (
                f"H-{self.dptb_general_days}",
                _("Batas pindah memilih (umum)"),
                self.dptb_deadline_general,
            ),
            (
                f"H-{self.dptb_special_days}",
                _("Batas pindah memilih tahanan/terpidana"),
                self.dptb_deadline_detainee,
            ),
            (f"H-{self.letter_days}", _("C.Pemberitahuan sudah dibagikan"), self.letter_deadline),
            (
                f"H-{self.letter_request_days}",
                _("Batas pemilih meminta surat ke KPPS"),
                self.letter_request_deadline,
            ),
            ("H", _("Hari pemungutan suara"), self.polling_date),
        ]


@pghistory.track()
class TPS(models.Model):
    """A polling station of an election inside a facility (TPS Lokasi Khusus)."""

    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="tps_set", verbose_name=_("pemilihan")
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="tps_set", verbose_name=_("UPT")
    )
    number = models.CharField(_("nomor TPS"), max_length=10)
    capacity = models.PositiveIntegerField(_("kapasitas"))
    address = models.CharField(_("alamat TPS"), max_length=300, blank=True)

    class Meta:
        ordering = ["election", "number"]
        constraints = [
            models.UniqueConstraint(fields=["election", "number"], name="tps_unique_number"),
        ]
        verbose_name = _("TPS")
        verbose_name_plural = _("TPS")

    def __str__(self):
        return f"TPS {self.number} — {self.facility}"

    def save(self, *args, **kwargs):
        if not self.capacity:
            self.capacity = self.election.default_tps_capacity
        super().save(*args, **kwargs)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["password", "last_login"],
)
class User(AbstractUser):
    """A person using the system, with one role, scoped to one facility (admins: all)."""

    class Role(models.TextChoices):
        OPERATOR = "operator", _("Petugas rutan")
        KPPS = "kpps", _("KPPS")
        KPU = "kpu", _("Penghubung KPU")
        OBSERVER = "observer", _("Pengamat (Bawaslu/instansi)")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(_("peran"), max_length=10, choices=Role, default=Role.OBSERVER)
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("UPT"),
    )
    tps_number = models.CharField(_("nomor TPS (KPPS)"), max_length=10, blank=True)
    institution = models.CharField(_("instansi"), max_length=200, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    def clean(self):
        super().clean()
        if self.role != self.Role.ADMIN and not self.facility_id:
            raise ValidationError({"facility": _("Peran ini harus terikat pada satu UPT.")})
        if self.role == self.Role.KPPS and not self.tps_number:
            raise ValidationError({"tps_number": _("KPPS harus terikat pada satu TPS.")})

    def save(self, *args, **kwargs):
        # Only administrators reach the Django admin.
        self.is_staff = self.role == self.Role.ADMIN or self.is_superuser
        if self.role != self.Role.KPPS:
            self.tps_number = ""
        super().save(*args, **kwargs)

    def has_perm(self, perm, obj=None):
        # The admin role manages everything of its facility (querysets are scoped in admin.py).
        if self.is_active and self.role == self.Role.ADMIN:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        if self.is_active and self.role == self.Role.ADMIN:
            return True
        return super().has_module_perms(app_label)

    @property
    def is_admin_role(self):
        return self.role == self.Role.ADMIN or self.is_superuser

    @property
    def sees_full_nik(self):
        """Operators, the KPU liaison and admins work with full NIKs; others see them masked."""
        return self.role in (self.Role.OPERATOR, self.Role.KPU, self.Role.ADMIN) or (
            self.is_superuser
        )

    def facilities(self):
        if self.is_admin_role and not self.facility_id:
            return Facility.objects.all()
        return Facility.objects.filter(pk=self.facility_id)

    def tps_queryset(self):
        """The TPS this user may see: KPPS their own number, others every TPS of their facility."""
        qs = TPS.objects.filter(facility__in=self.facilities())
        if self.role == self.Role.KPPS:
            qs = qs.filter(number=self.tps_number)
        return qs
