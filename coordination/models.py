"""Coordination with the KPU and other agencies: meetings, attendance, decisions, follow-ups.

Every seed article is a rapat koordinasi: the rutan presents its voter figures, the agencies
agree on steps, and the follow-up is what gets people onto the list. A meeting belongs to one
facility and one election; everything hanging off it is reached through the meeting, so the
facility scope of the meeting is the scope of all of it.
"""

from datetime import timedelta
from pathlib import Path

import pghistory
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InstitutionQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(facility__in=user.facilities())

    def catalogue(self):
        return self.filter(facility__isnull=True)

    def active(self):
        return self.filter(is_active=True)


class Institution(models.Model):
    """An agency that takes part in coordination: KPU, Bawaslu, Disdukcapil, Polres …

    Rows without a facility are the catalogue (seeded by a migration, edited in the admin by a
    global administrator). Each facility gets its own copy of every catalogue entry the first
    time it needs one, with the place filled in ("KPU {wilayah}" becomes "KPU Kabupaten
    Blora"), so that a facility edits, renames or hides its institutions without touching
    another facility's. See services.ensure_institutions().
    """

    class Kind(models.TextChoices):
        ELECTION_BODY = "penyelenggara", _("Penyelenggara pemilihan (KPU, PPK, PPS, KPPS)")
        SUPERVISOR = "pengawas", _("Pengawas pemilihan (Bawaslu, Panwascam)")
        CORRECTIONS = "pemasyarakatan", _("Pemasyarakatan (Rutan/Lapas)")
        CIVIL_REGISTRY = "dukcapil", _("Kependudukan dan pencatatan sipil")
        LAW = "penegak_hukum", _("Penegak hukum (Polri, Kejaksaan, Pengadilan)")
        GOVERNMENT = "pemda", _("Pemerintah daerah")
        MILITARY = "tni", _("TNI")
        OTHER = "lainnya", _("Lainnya")

    name = models.CharField(
        _("nama instansi"),
        max_length=200,
        help_text=_(
            "Di katalog boleh memuat {wilayah} (mis. Kabupaten Blora), {daerah} (Blora), "
            "{provinsi} dan {upt} (nama UPT)."
        ),
    )
    short_name = models.CharField(_("singkatan"), max_length=40, blank=True)
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind, default=Kind.OTHER)
    facility = models.ForeignKey(
        "voters.Facility",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="institutions",
        verbose_name=_("UPT"),
        help_text=_("Kosong = entri katalog, disalin ke setiap UPT."),
    )
    source = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("salinan dari katalog"),
    )
    position = models.PositiveSmallIntegerField(_("urutan"), default=100)
    is_active = models.BooleanField(_("aktif"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # voters/core/concurrency.py

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "name"], name="coordination_institution_unique_name"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(facility__isnull=True),
                name="coordination_catalogue_unique_name",
            ),
            models.UniqueConstraint(
                fields=["facility", "source"],
                condition=Q(source__isnull=False),
                name="coordination_institution_one_copy",
            ),
        ]
        verbose_name = _("instansi")
        verbose_name_plural = _("instansi")

    def __str__(self):
        return self.name

    @property
    def label(self):
        return self.short_name or self.name


class ContactQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(facility__in=user.facilities())


class Contact(models.Model):
    """A person at an institution whom the facility works with (the address book)."""

    facility = models.ForeignKey(
        "voters.Facility", on_delete=models.CASCADE, related_name="+", verbose_name=_("UPT")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("instansi")
    )
    name = models.CharField(_("nama"), max_length=200)
    position = models.CharField(_("jabatan"), max_length=200, blank=True)
    phone = models.CharField(_("telepon"), max_length=40, blank=True)
    email = models.EmailField(_("surel"), blank=True)
    notes = models.CharField(_("catatan"), max_length=300, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # voters/core/concurrency.py

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["institution__position", "institution__name", "name"]
        verbose_name = _("kontak")
        verbose_name_plural = _("kontak")

    def __str__(self):
        return f"{self.name} ({self.institution.label})"


class MeetingQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(facility__in=user.facilities())


@pghistory.track()
class Meeting(models.Model):
    """A rapat koordinasi, with the figures the facility presented as they were that day."""

    class Stage(models.TextChoices):
        COKLIT = "coklit", _("Pencocokan dan penelitian (coklit)")
        LISTS = "dps_dpt", _("Penyusunan DPS/DPT")
        TRANSFER = "pindah_memilih", _("Pindah memilih (DPTb)")
        LETTERS = "pemberitahuan", _("Pembagian surat pemberitahuan")
        VOTING = "pemungutan", _("Pemungutan dan penghitungan suara")
        OTHER = "lainnya", _("Lainnya")

    facility = models.ForeignKey(
        "voters.Facility", on_delete=models.PROTECT, related_name="+", verbose_name=_("UPT")
    )
    election = models.ForeignKey(
        "voters.Election", on_delete=models.PROTECT, related_name="+", verbose_name=_("pemilihan")
    )
    title = models.CharField(_("judul rapat"), max_length=300)
    stage = models.CharField(_("tahapan"), max_length=20, choices=Stage, default=Stage.OTHER)
    date = models.DateField(_("tanggal"))
    start_time = models.TimeField(_("mulai"), null=True, blank=True)
    end_time = models.TimeField(_("selesai"), null=True, blank=True)
    venue = models.CharField(_("tempat"), max_length=300, blank=True)
    organiser = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("penyelenggara rapat"),
    )
    chair_name = models.CharField(_("pimpinan rapat"), max_length=200, blank=True)
    chair_title = models.CharField(_("jabatan pimpinan rapat"), max_length=200, blank=True)
    minute_taker = models.CharField(_("notulis"), max_length=200, blank=True)
    invitation_reference = models.CharField(_("nomor surat undangan"), max_length=120, blank=True)
    invitation_date = models.DateField(_("tanggal surat undangan"), null=True, blank=True)
    agenda = models.TextField(_("acara/agenda"), blank=True)
    minutes = models.TextField(_("jalannya rapat (notulen)"), blank=True)
    figures_taken_at = models.DateTimeField(_("angka diambil pada"), null=True, blank=True)
    figures_on = models.DateField(_("angka per tanggal"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )
    created_at = models.DateTimeField(_("dicatat pada"), default=timezone.now)
    updated_at = models.DateTimeField(_("diubah pada"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # voters/core/concurrency.py

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-start_time", "-pk"]
        indexes = [models.Index(fields=["facility", "date"])]
        verbose_name = _("rapat koordinasi")
        verbose_name_plural = _("rapat koordinasi")

    def __str__(self):
        return f"{self.title} ({self.date:%d-%m-%Y})"

    def get_absolute_url(self):
        return reverse("coordination:meeting_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.start_time and self.end_time and self.end_time < self.start_time:
            raise ValidationError({"end_time": _("Jam selesai sebelum jam mulai.")})

    @property
    def chair_title_shown(self) -> str:
        """The chair's title, or "" when it only repeats the chair's name (issue 17).

        A meeting is often recorded with the office in both fields ("Ketua KPU Kabupaten"),
        and the minutes then read "Pimpinan rapat: Ketua KPU Kabupaten, Ketua KPU Kabupaten".
        """
        title = self.chair_title.strip()
        if title.casefold() == self.chair_name.strip().casefold():
            return ""
        return title

    @property
    def days_before_polling(self):
        return (self.election.polling_date - self.date).days

    @property
    def h_label(self):
        """'H-2' for a meeting two days before polling day, 'H+1' for one after it."""
        days = self.days_before_polling
        if days == 0:
            return "H"
        return f"H-{days}" if days > 0 else f"H+{-days}"

    def next_decision_number(self):
        last = self.decisions.aggregate(n=models.Max("number"))["n"]
        return (last or 0) + 1


class MeetingFigure(models.Model):
    """One figure presented at a meeting, frozen as it was when the meeting was recorded."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="figures")
    key = models.CharField(_("kunci"), max_length=60)
    label = models.CharField(_("keterangan"), max_length=200)
    value = models.IntegerField(_("angka"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        ordering = ["position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "key"], name="coordination_figure_unique")
        ]
        verbose_name = _("angka yang dipaparkan")
        verbose_name_plural = _("angka yang dipaparkan")

    def __str__(self):
        return f"{self.label}: {'—' if self.value is None else self.value}"


class Attendee(models.Model):
    """A person (or an institution whose representative is not named) present at a meeting."""

    class Role(models.TextChoices):
        CHAIR = "pimpinan", _("Pimpinan rapat")
        PRESENTER = "pemapar", _("Pemapar/narasumber")
        PARTICIPANT = "peserta", _("Peserta")
        MINUTE_TAKER = "notulis", _("Notulis")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(_("nama"), max_length=200, blank=True)
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("instansi"),
    )
    position = models.CharField(_("jabatan"), max_length=200, blank=True)
    role = models.CharField(
        _("peran dalam rapat"), max_length=10, choices=Role, default=Role.PARTICIPANT
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dari kontak"),
    )

    class Meta:
        ordering = ["institution__position", "institution__name", "pk"]
        verbose_name = _("peserta rapat")
        verbose_name_plural = _("peserta rapat")

    def __str__(self):
        return self.name or str(self.institution or "")

    def clean(self):
        super().clean()
        if not self.name.strip() and not self.institution_id:
            raise ValidationError(_("Isi nama peserta, instansinya, atau pilih kontak."))


class Decision(models.Model):
    """A decision or agreed step (kesepakatan) of a meeting, numbered as in the minutes."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    number = models.PositiveSmallIntegerField(_("nomor"))
    text = models.TextField(_("keputusan/kesepakatan"))
    version = models.PositiveIntegerField(default=1, editable=False)  # voters/core/concurrency.py

    class Meta:
        ordering = ["number", "pk"]
        verbose_name = _("keputusan rapat")
        verbose_name_plural = _("keputusan rapat")

    def __str__(self):
        return f"{self.number}. {self.text[:80]}"


class ActionItemQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(meeting__facility__in=user.facilities())

    def still_open(self):
        return self.filter(status__in=ActionItem.OPEN_STATUSES)

    @staticmethod
    def overdue_q(today):
        return Q(due_date__lt=today)

    @staticmethod
    def due_within_q(days, today):
        return Q(due_date__gte=today, due_date__lte=today + timedelta(days))

    def overdue(self, today=None):
        return self.still_open().filter(self.overdue_q(today or timezone.localdate()))

    def open_on(self, day):
        """Open at the end of `day`: created by then and not closed by then."""
        return self.filter(created_at__date__lte=day).filter(
            Q(closed_at__isnull=True) | Q(closed_at__date__gt=day)
        )


@pghistory.track()
class ActionItem(models.Model):
    """A follow-up (tindak lanjut) of a decision: who does what by when, tracked to closure."""

    class Status(models.TextChoices):
        OPEN = "open", _("Belum dikerjakan")
        IN_PROGRESS = "in_progress", _("Sedang dikerjakan")
        DONE = "done", _("Selesai")
        CANCELLED = "cancelled", _("Dibatalkan")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("rapat")
    )
    decision = models.ForeignKey(
        Decision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("dari keputusan"),
    )
    title = models.CharField(_("tindak lanjut"), max_length=300)
    detail = models.TextField(_("rincian"), blank=True)
    owner_institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="action_items",
        verbose_name=_("instansi penanggung jawab"),
    )
    owner_name = models.CharField(_("nama penanggung jawab"), max_length=200, blank=True)
    due_date = models.DateField(_("batas waktu"))
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.OPEN)
    outcome = models.TextField(_("hasil/catatan penyelesaian"), blank=True)
    closed_at = models.DateTimeField(_("ditutup pada"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ditutup oleh"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )
    created_at = models.DateTimeField(_("dicatat pada"), default=timezone.now)
    updated_at = models.DateTimeField(_("diubah pada"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # voters/core/concurrency.py

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"])]
        verbose_name = _("tindak lanjut")
        verbose_name_plural = _("tindak lanjut")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("coordination:action_detail", args=[self.pk])

    @property
    def facility(self):
        return self.meeting.facility

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today=None):
        return self.is_open and self.due_date < (today or timezone.localdate())

    @property
    def overdue(self):
        return self.is_overdue()

    @property
    def days_left(self):
        return (self.due_date - timezone.localdate()).days

    @property
    def owner_label(self):
        if self.owner_name:
            return f"{self.owner_name} ({self.owner_institution.label})"
        return self.owner_institution.name


class ActionItemLink(models.Model):
    """What an action item concerns: an inmate, a reconciliation item … or a free reference.

    Loosely coupled on purpose: the link names any model by content type and primary key, so
    the inmate and reconciliation models can join without this app importing them. A link
    without a content type is a free reference typed by a person (a register number, a list).
    """

    action_item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="links")
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    label = models.CharField(_("rujukan"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__isnull=False) | ~Q(label=""),
                name="coordination_link_has_target_or_label",
            )
        ]
        verbose_name = _("rujukan tindak lanjut")
        verbose_name_plural = _("rujukan tindak lanjut")

    def __str__(self):
        return self.label or f"{self.content_type_id}:{self.object_id}"


class Attachment(models.Model):
    """A photo or letter of a meeting, stored under PRIVATE_ROOT with a server-made name.

    There is no public URL: the file is served by a view that checks the meeting's scope and,
    for attachments marked restricted (lists with names or NIKs), the reader's role.
    """

    class Kind(models.TextChoices):
        PHOTO = "foto", _("Foto kegiatan")
        INVITATION = "undangan", _("Surat undangan")
        LETTER = "surat", _("Surat/berita acara")
        SLIDES = "paparan", _("Bahan paparan")
        ATTENDANCE = "daftar_hadir", _("Daftar hadir bertanda tangan")
        OTHER = "lainnya", _("Lainnya")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind, default=Kind.PHOTO)
    title = models.CharField(_("keterangan"), max_length=200, blank=True)
    original_name = models.CharField(_("nama berkas asli"), max_length=200)
    stored_name = models.CharField(max_length=80, unique=True, editable=False)
    content_type = models.CharField(max_length=60, editable=False)
    size = models.PositiveIntegerField(_("ukuran (bita)"))
    sha256 = models.CharField(max_length=64, editable=False)
    restricted = models.BooleanField(
        _("hanya untuk petugas"),
        default=True,
        help_text=_(
            "Centang bila berkas memuat data pribadi (nama WBP, NIK). Pengamat dan KPPS "
            "tidak dapat mengunduhnya."
        ),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diunggah oleh"),
    )
    uploaded_at = models.DateTimeField(_("diunggah pada"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("lampiran rapat")
        verbose_name_plural = _("lampiran rapat")

    def __str__(self):
        return self.title or self.original_name

    def get_absolute_url(self):
        return reverse("coordination:attachment_download", args=[self.pk])

    @property
    def facility(self):
        return self.meeting.facility

    @property
    def path(self) -> Path:
        return storage_root() / self.stored_name


def storage_root() -> Path:
    """Where attachments live; read at call time so that tests and deployments can move it."""
    return Path(settings.PRIVATE_ROOT) / "coordination"
