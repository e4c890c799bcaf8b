"""Facilities, elections, TPS and the people who use the system."""

from datetime import time, timedelta

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from voters.rules import wilayah


def validate_region(value):
    if not wilayah.normalize_code(value):
        raise ValidationError(_("Kode wilayah %(v)s tidak dikenali."), params={"v": value})


class FacilityQuerySet(models.QuerySet):
    def in_region(self, region):
        """The facilities whose region code is ``region`` or lies inside it (``33.16`` holds
        ``33.16`` and ``33.16.01``, never ``33.160``): a regency user's scope, the regency
        page's and ``export_reconciliation --region``'s facilities."""
        area = wilayah.normalize_code(region) or region
        return self.filter(
            models.Q(region_code=area) | models.Q(region_code__startswith=area + ".")
        )


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

    objects = FacilityQuerySet.as_manager()

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
    # CONTRACT.md (second version) ``--dpt-date``: the day the KPU fixes the DPT (penetapan DPT).
    # Before it the facility proposes its voters for its TPS's DPT; from it on only pindah
    # memilih (DPTb) moves a voter there. Blank: the DPT counts as fixed.
    dpt_date = models.DateField(
        _("penetapan DPT"),
        null=True,
        blank=True,
        help_text=_(
            "Hari KPU menetapkan DPT. Sebelumnya UPT mengusulkan pemilihnya untuk DPT TPS-nya; "
            "sesudahnya hanya lewat pindah memilih (DPTb). Kosong = DPT sudah ditetapkan."
        ),
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
    # DOMAIN.md §4: whether the KPU allows DPK at a TPS lokasi khusus is unconfirmed: off
    # unless an admin turns it on for this election.
    allow_dpk = models.BooleanField(
        _("DPK boleh di TPS lokasi khusus"),
        default=False,
        help_text=_(
            "Hanya untuk orang yang tidak terdaftar di daftar mana pun dan beralamat KTP-el di "
            "desa/kelurahan TPS. Belum dipastikan KPU: aktifkan hanya bila KPU mengizinkan."
        ),
    )
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
    # CONTRACT.md ``add_tps --ksk``: a TPS outside the facility that serves its people with a
    # mobile ballot box (Kotak Suara Keliling), e.g. the TPS near a Polres for its cells.
    kode_wilayah = models.CharField(
        _("kode wilayah desa/kelurahan TPS"),
        max_length=20,
        blank=True,
        validators=[validate_region],
        help_text=_("Mis. 33.16.01.2001. Pemilih DPK hanya boleh yang KTP-el-nya di desa ini."),
    )
    ksk = models.BooleanField(
        _("kotak suara keliling (KSK)"),
        default=False,
        help_text=_("TPS di luar UPT yang melayani penghuninya dengan kotak suara keliling."),
    )

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
    # CONTRACT.md ``add_user --region``: a KPU Kabupaten liaison or a Bawaslu Kabupaten
    # observer sees every facility of a region instead of one facility.
    region_code = models.CharField(
        _("wilayah (penghubung KPU/pengamat kabupaten)"),
        max_length=20,
        blank=True,
        validators=[validate_region],
        help_text=_("Mis. 33.16: pengguna melihat semua UPT di wilayah ini."),
    )
    institution = models.CharField(_("instansi"), max_length=200, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    REGION_ROLES = ("kpu", "observer")

    def clean(self):
        super().clean()
        if self.region_code and self.role not in self.REGION_ROLES:
            raise ValidationError({"region_code": _(
                "Hanya penghubung KPU dan pengamat yang dapat terikat pada wilayah.")})
        if self.region_code and self.facility_id:
            raise ValidationError({"region_code": _("Pilih UPT atau wilayah, bukan keduanya.")})
        if self.role != self.Role.ADMIN and not self.facility_id and not self.region_code:
            raise ValidationError({"facility": _("Peran ini harus terikat pada satu UPT.")})
        if self.role == self.Role.KPPS and not self.tps_number:
            raise ValidationError({"tps_number": _("KPPS harus terikat pada satu TPS.")})

    def save(self, *args, **kwargs):
        # Only administrators reach the Django admin.
        self.is_staff = self.role == self.Role.ADMIN or self.is_superuser
        if self.role != self.Role.KPPS:
            self.tps_number = ""
        self.region_code = wilayah.normalize_code(self.region_code) or self.region_code
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
        """Every facility this user's pages, exports and admin lists may show."""
        if self.region_code and self.role in self.REGION_ROLES and not self.is_superuser:
            return Facility.objects.in_region(self.region_code)
        if self.is_admin_role and not self.facility_id:
            return Facility.objects.all()
        return Facility.objects.filter(pk=self.facility_id)

    @property
    def is_regional(self):
        """A user who sees several facilities and picks the one a page is about."""
        return bool(self.region_code) or (self.is_admin_role and not self.facility_id)

    def tps_queryset(self):
        """The TPS this user may see: KPPS their own number, others every TPS of their facility."""
        qs = TPS.objects.filter(facility__in=self.facilities())
        if self.role == self.Role.KPPS:
            qs = qs.filter(number=self.tps_number)
        return qs

    def visible_tps(self):
        """``tps_queryset()`` with each TPS's election and facility, as a list read once: kept on
        this object, which lives for one request (the home page's table, cards and panels)."""
        if "_visible_tps" not in self.__dict__:
            self.__dict__["_visible_tps"] = list(
                self.tps_queryset().select_related("election", "facility")
            )
        return self.__dict__["_visible_tps"]


# audit.py: The audit trail of actions: logins, refusals, imports, exports and prints.


class AuditEventQuerySet(models.QuerySet):
    """No bulk change either: the trail is written once and read ever after."""

    def update(self, **kwargs):
        raise RuntimeError("Audit events are append-only")

    def delete(self):
        raise RuntimeError("Audit events are append-only")


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("Masuk")
        LOGIN_FAILED = "login_failed", _("Gagal masuk")
        LOCKED_OUT = "locked_out", _("Akun terkunci sementara")
        LOGOUT = "logout", _("Keluar")
        FORBIDDEN = "forbidden", _("Akses ditolak")
        IMPORT = "import", _("Impor")
        EXPORT = "export", _("Ekspor")
        PRINT = "print", _("Cetak")
        DOWNLOAD = "download", _("Unduh")
        CHANGE = "change", _("Perubahan")
        RECONCILE = "reconcile", _("Rekonsiliasi")
        PURGE = "purge", _("Penghapusan data")

    created_at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pelaku"),
    )
    actor_name = models.CharField(_("nama pelaku"), max_length=150, blank=True)
    action = models.CharField(_("tindakan"), max_length=20, choices=Action)
    object_type = models.CharField(_("jenis objek"), max_length=60, blank=True)
    object_id = models.CharField(_("id objek"), max_length=60, blank=True)
    facility = models.ForeignKey(
        "voters.Facility",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("UPT"),
    )
    summary = models.CharField(_("ringkasan"), max_length=300, blank=True)
    detail = models.JSONField(_("rincian"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("jumlah baris"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    result = models.CharField(_("hasil"), max_length=20, default="ok")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("catatan audit")
        verbose_name_plural = _("catatan audit")
        indexes = [models.Index(fields=["action", "created_at"])]
        # Append-only in the database too (SECURITY.md check 24): on PostgreSQL a trigger
        # refuses every UPDATE and DELETE, whatever the code or a raw SQL statement tries.
        # Production also revokes UPDATE and DELETE from the app role (README "Security").
        triggers = [
            pgtrigger.Protect(
                name="append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk and not kwargs.get("force_insert"):
            raise RuntimeError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only")


# jobs.py: Long jobs are rows: status, progress (done/total), timings and error (STYLE.md).


def _progress_alias():
    return "jobs" if "jobs" in connections.databases else "default"


def _progress_cache():
    """The cache that carries progress across processes where the database cannot (settings:
    the embedded default on SQLite), or None."""
    from django.core.cache import caches

    return caches["progress"] if "progress" in settings.CACHES else None


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu")
        RUNNING = "running", _("Berjalan")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("jumlah"), default=0)
    done = models.PositiveIntegerField(_("selesai"), default=0)
    message = models.CharField(_("keterangan"), max_length=300, blank=True)
    error = models.TextField(_("galat"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dibuat oleh"),
    )
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai pada"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True

    # -- state changes, each an optimistic update so that two workers never share a job --

    def claim(self):
        """Take the job: True when this worker now owns it (queued, or a stale running one)."""
        now = timezone.now()
        stale_before = now - settings.JOB_STALE_AFTER
        owned = (
            type(self)
            .objects.filter(pk=self.pk)
            .filter(
                models.Q(status=self.Status.QUEUED)
                | models.Q(status=self.Status.RUNNING, heartbeat_at__lt=stale_before)
            )
            .update(
                status=self.Status.RUNNING,
                started_at=now,
                heartbeat_at=now,
                done=0,
                error="",
                finished_at=None,
                attempts=models.F("attempts") + 1,
            )
        )
        if owned:
            self.refresh_from_db()
        return bool(owned)

    def report(self, done=None, total=None, message=None):
        """Write progress through a separate connection so pages see it mid-transaction."""
        fields = {"heartbeat_at": timezone.now()}
        if done is not None:
            self.done = fields["done"] = done
        if total is not None:
            self.total = fields["total"] = total
        if message is not None:
            self.message = fields["message"] = str(message)[:300]
        type(self).objects.using(_progress_alias()).filter(pk=self.pk).update(**fields)
        cache = _progress_cache()
        if cache is not None:
            live = {"done": self.done, "total": self.total, "message": self.message}
            cache.set(self._progress_key(), live, 3600)

    def _progress_key(self):
        return f"progress:{self._meta.label_lower}:{self.pk}"

    def succeed(self, message=""):
        self.status = self.Status.DONE
        self.finished_at = timezone.now()
        self.message = str(message)[:300]
        if self.total and self.done < self.total:
            self.done = self.total
        self.save(update_fields=["status", "finished_at", "message", "done"])

    def fail(self, error):
        self.status = self.Status.FAILED
        self.finished_at = timezone.now()
        self.error = str(error)[:4000]
        alias = _progress_alias()
        fields = {"status": self.status, "finished_at": self.finished_at, "error": self.error}
        try:
            type(self).objects.using(alias).filter(pk=self.pk).update(**fields)
        except (OperationalError, InterfaceError):
            # The job may have failed because the database cut its connections: record the
            # failure on a new connection (outside a transaction only) instead of leaving the
            # row "running" until the sweeper.
            if connections[alias].in_atomic_block:
                raise
            connections[alias].close()
            type(self).objects.using(alias).filter(pk=self.pk).update(**fields)

    # -- reading --

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_stale(self):
        return (
            self.status == self.Status.RUNNING
            and self.heartbeat_at is not None
            and self.heartbeat_at < timezone.now() - settings.JOB_STALE_AFTER
        )

    def progress_json(self):
        cache = _progress_cache()
        if cache is not None and self.status == self.Status.RUNNING:
            # What the job reported from inside its own transaction, not yet in the row.
            live = cache.get(self._progress_key())
            if live:
                self.done, self.total, self.message = live["done"], live["total"], live["message"]
        return {
            "status": self.status,
            "status_label": str(self.get_status_display()),
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "message": self.message,
            "error": self.error if self.status == self.Status.FAILED else "",
            "stale": self.is_stale,
            "finished": self.is_finished,
        }

    # A job lost with its worker is run once more (every job is idempotent: claim() resets its
    # progress and each service starts over from what is committed); "attempts" counts claims,
    # so a stale running job with fewer than this many was lost on its first run.
    MAX_ATTEMPTS = 2
    LOST_MESSAGE = _("Pekerjaan terhenti (proses pekerja mati). Silakan jalankan ulang.")
    LOST_TWICE_MESSAGE = _(
        "Pekerjaan terhenti dua kali karena proses pekerja mati; tidak diulang lagi. "
        "Periksa berkasnya atau hubungi admin."
    )
    REQUEUED_MESSAGE = _("Diulang otomatis: proses pekerja sebelumnya terhenti.")

    def runs(self):
        """How many times the job's work was started (claimed): what the sweep counts."""
        return self.attempts

    @classmethod
    def sweep_stale(cls, *, exclude=None, resend=None, **filters):
        """Running jobs whose heartbeat is older than JOB_STALE_AFTER lost their worker.

        With ``resend`` (job -> a callable that sends its task again, or None when it cannot be
        sent), a job lost for the first time goes back to "queued" and its task is sent after
        commit; one lost again (``MAX_ATTEMPTS`` claims), or one without a task, is failed with
        a reason a person understands. Without ``resend`` every stale job is failed.
        ``exclude``: the pk of a job the caller is about to take over itself; ``filters``
        narrow the rows swept. Each row changes by an optimistic update, so two sweepers (the
        beat, a worker starting, a page) never both re-queue it. Returns the rows swept."""
        now = timezone.now()
        cutoff = now - settings.JOB_STALE_AFTER
        stale = cls.objects.filter(status=cls.Status.RUNNING, heartbeat_at__lt=cutoff, **filters)
        stale = stale.exclude(pk=exclude)
        swept = 0
        for job in stale.order_by("pk"):
            same = cls.objects.filter(
                pk=job.pk, status=cls.Status.RUNNING, heartbeat_at=job.heartbeat_at,
                attempts=job.attempts,
            )  # fmt: skip
            lost_twice = job.runs() >= cls.MAX_ATTEMPTS
            send = resend(job) if resend is not None and not lost_twice else None
            if send is not None:
                with transaction.atomic():
                    if same.update(status=cls.Status.QUEUED, message=str(cls.REQUEUED_MESSAGE)):
                        transaction.on_commit(send)
                        swept += 1
                continue
            reason = cls.LOST_TWICE_MESSAGE if lost_twice else cls.LOST_MESSAGE
            swept += same.update(status=cls.Status.FAILED, finished_at=now, error=str(reason))
        return swept


# imports.py: An upload or command-line import, kept as a job row with its preview and its outcome.


class ImportBatch(Job):
    # A roster preview not confirmed within this long expires with its file (the transient
    # sweep deletes it: services/retention.py; the pages say so from this moment on).
    PREVIEW_LIFETIME = timedelta(hours=1)

    class Kind(models.TextChoices):
        INMATES = "inmates", _("Data WBP (SDP)")
        VOTER_LIST = "voter_list", _("Daftar pemilih TPS")
        REFERENCE_DPT = "reference_dpt", _("DPT kabupaten/kota (rujukan)")
        DUKCAPIL = "dukcapil", _("Jawaban Dukcapil")
        DAPIL = "dapil", _("Tabel dapil")
        STAFF = "staff", _("Daftar petugas UPT")

    # Uploads read by a preview job, then imported only once a person confirms the preview.
    PREVIEWED = frozenset({Kind.INMATES, Kind.STAFF})

    kind = models.CharField(_("jenis"), max_length=20, choices=Kind)
    facility = models.ForeignKey(
        "voters.Facility",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_batches",
    )
    election = models.ForeignKey(
        "voters.Election",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_batches",
    )
    tps = models.ForeignKey(
        "voters.TPS", on_delete=models.CASCADE, null=True, blank=True, related_name="import_batches"
    )
    list_kind = models.CharField(_("jenis daftar"), max_length=4, blank=True)
    file_name = models.CharField(_("nama berkas"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(_("ringkasan"), default=dict, blank=True)
    row_errors = models.JSONField(_("baris bermasalah"), default=list, blank=True)
    confirmed_at = models.DateTimeField(_("dikonfirmasi"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("impor")
        verbose_name_plural = _("impor")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.file_name}"

    def runs(self):
        # A confirmed previewed upload was claimed once already by its preview job
        # (services/inmates.run_roster_preview), which does not count as a run of the import.
        if self.kind in self.PREVIEWED and self.confirmed_at and self.sha256:
            return max(self.attempts - 1, 0)
        return self.attempts

    @property
    def facility_for_access(self):
        return self.facility_id or (self.tps.facility_id if self.tps_id else None)

    @property
    def awaits_confirmation(self):
        """A preview (roster or staff upload) read and shown, not yet confirmed."""
        return (
            self.kind in self.PREVIEWED
            and self.status == self.Status.QUEUED
            and bool(self.sha256)
            and self.confirmed_at is None
        )

    def progress_json(self):
        data = super().progress_json()
        if self.awaits_confirmation:
            # The preview job is over (the batch waits "queued" for the operator): the page
            # polling it must stop and show the preview, as it does for a finished job.
            data.update(finished=True, percent=100, status_label=str(_("Pratinjau siap")))
        return data

    @property
    def preview_expired(self):
        return self.awaits_confirmation and (
            self.created_at < timezone.now() - self.PREVIEW_LIFETIME
        )

    @property
    def state_label(self):
        """The status as a person reads it in an import history."""
        if self.preview_expired:
            return _("Pratinjau kedaluwarsa")
        if self.awaits_confirmation:
            return _("Menunggu konfirmasi")
        return self.get_status_display()

    @property
    def outcome(self):
        """What came of it, in one line: the result, or why it failed or lapsed."""
        if self.preview_expired:
            return _("Tidak dikonfirmasi dalam 1 jam; unggah ulang berkasnya.")
        if self.status == self.Status.FAILED:
            first = (self.error or "").strip().splitlines()
            return first[0][:200] if first else _("Gagal tanpa keterangan; lihat rinciannya.")
        return self.message
