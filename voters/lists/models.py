"""KPU voter lists of an election (CONTRACT.md "KPU list file", "Electoral districts").

- ``VoterList`` + ``ListEntry``: one TPS's DPT, DPTb or DPK, replaced whole by each import.
- ``ReferenceDPT`` + ``ReferenceEntry``: the DPT of a whole kabupaten/kota (hundreds of thousands
  of rows), used to find where a new inmate is registered. On PostgreSQL the entries table is
  LIST-partitioned by ``reference_id`` and each load is a partition that is attached whole and
  dropped whole (see migration 0004 and ``voters/lists/services.py``); on SQLite it is a plain
  table.
- ``DapilEntry``: the electoral-district table of a Pemilu.

A NIK is kept as text with its format: ``valid`` (16 digits that pass the offline checks),
``masked`` (KPU-style ``331601**********``, a first-class value that matching uses with name and
birth date), ``invalid`` or ``blank``: ``voters.rules.nik.NikFormat``, with labels here.
"""

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from voters.core.choices import Marital, Sex, text_choices
from voters.rules import nik as nik_rules
from voters.rules.lists import list_rank


class ListKind(models.TextChoices):
    DPT = "DPT", _("DPT")
    DPTB = "DPTB", _("DPTb")
    DPK = "DPK", _("DPK")


#: the order in which lists of one TPS are shown (rules.lists)
LIST_KIND_ORDER = {kind: list_rank(kind) for kind in ListKind.values}


NikFormat = text_choices(
    "NikFormat",
    nik_rules.NikFormat,
    {
        nik_rules.NikFormat.VALID: _("sah"),
        nik_rules.NikFormat.MASKED: _("tersamar"),
        nik_rules.NikFormat.INVALID: _("tidak sah"),
        nik_rules.NikFormat.BLANK: _("kosong"),
    },
    module=__name__,
)


# DOMAIN.md §2.1: KPU disability codes on the Model A-Daftar Pemilih.
DISABILITY_LABELS = {
    1: _("Fisik"),
    2: _("Intelektual"),
    3: _("Mental"),
    4: _("Wicara"),
    5: _("Rungu"),
    6: _("Netra"),
}


class VoterListQuerySet(models.QuerySet):
    def for_user(self, user):
        """The lists of the TPS this user may see (KPPS: their own TPS only)."""
        return self.filter(tps__in=user.tps_queryset())


@pghistory.track()
class VoterList(models.Model):
    """The DPT, DPTb or DPK of one TPS, as the KPU last sent it."""

    Kind = ListKind

    election = models.ForeignKey(
        "voters.Election",
        on_delete=models.PROTECT,
        related_name="voter_lists",
        verbose_name=_("pemilihan"),
    )
    tps = models.ForeignKey(
        "voters.TPS", on_delete=models.PROTECT, related_name="voter_lists", verbose_name=_("TPS")
    )
    kind = models.CharField(_("jenis daftar"), max_length=4, choices=ListKind)
    batch = models.ForeignKey(
        "voters.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("impor"),
    )
    file_name = models.CharField(_("nama berkas"), max_length=255)
    sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField(_("jumlah pemilih"), default=0)
    counts = models.JSONField(_("rekap"), default=dict, blank=True)
    imported_at = models.DateTimeField(_("diimpor"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diimpor oleh"),
    )

    objects = VoterListQuerySet.as_manager()

    class Meta:
        ordering = ["election", "tps__number", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["tps", "kind"], name="voterlist_unique_tps_kind"),
        ]
        verbose_name = _("daftar pemilih TPS")
        verbose_name_plural = _("daftar pemilih TPS")

    def __str__(self):
        return f"{self.get_kind_display()} TPS {self.tps.number}"

    @property
    def facility(self):
        return self.tps.facility


class ListEntry(models.Model):
    """One voter on a TPS list, as the KPU file has them (CONTRACT.md "KPU list file")."""

    voter_list = models.ForeignKey(
        VoterList, on_delete=models.CASCADE, related_name="entries", verbose_name=_("daftar")
    )
    position = models.PositiveIntegerField(_("nomor urut"))
    row_number = models.PositiveIntegerField(_("baris di berkas"))
    nik = models.CharField(_("NIK"), max_length=40, blank=True)
    nik_format = models.CharField(_("format NIK"), max_length=8, choices=NikFormat)
    nkk = models.CharField(_("nomor KK"), max_length=40, blank=True)
    nama = models.TextField(_("nama"))
    tempat_lahir = models.TextField(_("tempat lahir"), blank=True)
    tanggal_lahir = models.DateField(_("tanggal lahir"))
    jenis_kelamin = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex)
    status_perkawinan = models.CharField(
        _("status perkawinan"), max_length=1, choices=Marital, default=Marital.BELUM
    )
    alamat = models.TextField(_("alamat"), blank=True)
    rt = models.TextField(_("RT"), blank=True)
    rw = models.TextField(_("RW"), blank=True)
    kelurahan = models.TextField(_("kelurahan/desa"), blank=True)
    kecamatan = models.TextField(_("kecamatan"), blank=True)
    kode_wilayah = models.CharField(_("kode wilayah"), max_length=20, blank=True)
    tps_number = models.CharField(_("TPS di berkas"), max_length=10, blank=True)
    disabilitas = models.PositiveSmallIntegerField(_("disabilitas"), null=True, blank=True)
    keterangan = models.TextField(_("keterangan"), blank=True)

    class Meta:
        ordering = ["voter_list", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["voter_list", "position"], name="listentry_unique_position"
            ),
        ]
        indexes = [models.Index(fields=["nik"], name="listentry_nik")]
        verbose_name = _("pemilih pada daftar TPS")
        verbose_name_plural = _("pemilih pada daftar TPS")

    def __str__(self):
        return f"{self.position}. {self.nama}"

    @property
    def disability_label(self):
        return DISABILITY_LABELS.get(self.disabilitas, "")


@pghistory.track()
class ReferenceDPT(models.Model):
    """One load of the reference DPT of the election's kabupaten/kota.

    At most one is ``active`` per election; a newer load replaces it whole. Failed and replaced
    loads stay as rows (without entries) so that the history of what was loaded is kept.
    """

    class Status(models.TextChoices):
        LOADING = "loading", _("Sedang dimuat")
        ACTIVE = "active", _("Aktif")
        REPLACED = "replaced", _("Diganti")
        FAILED = "failed", _("Gagal")

    election = models.ForeignKey(
        "voters.Election",
        on_delete=models.PROTECT,
        related_name="reference_dpts",
        verbose_name=_("pemilihan"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.LOADING, db_index=True
    )
    batch = models.ForeignKey(
        "voters.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("impor"),
    )
    file_name = models.CharField(_("nama berkas"), max_length=255)
    sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField(_("jumlah pemilih"), default=0)
    counts = models.JSONField(_("rekap"), default=dict, blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    activated_at = models.DateTimeField(_("diaktifkan"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diimpor oleh"),
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["election"],
                condition=models.Q(status="active"),
                name="referencedpt_one_active",
            ),
        ]
        verbose_name = _("DPT rujukan")
        verbose_name_plural = _("DPT rujukan")

    def __str__(self):
        return f"DPT rujukan {self.election.code} #{self.pk} ({self.get_status_display()})"

    @property
    def partition_name(self):
        """The PostgreSQL partition that holds this load's entries."""
        return f"voters_referenceentry_{int(self.pk)}"


class ReferenceEntry(models.Model):
    """One voter of the reference DPT. Rows are written only by the loader, never edited.

    The key is (reference, position): positions are numbered by the loader, so no sequence is
    needed while streaming. ``reference`` has no database foreign key: on PostgreSQL a load's
    rows live in their own partition, attached and dropped whole.
    """

    pk = models.CompositePrimaryKey("reference_id", "position")
    reference = models.ForeignKey(
        ReferenceDPT,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="entries",
        verbose_name=_("DPT rujukan"),
    )
    position = models.PositiveIntegerField(_("nomor urut"))
    nik = models.CharField(_("NIK"), max_length=40, blank=True)
    # A NIK of 16 digits as a number, for the index matching looks NIKs up in: an index of
    # bigints builds in half the time of one of text (bench/README.md). NULL otherwise.
    nik_angka = models.BigIntegerField(_("NIK (angka)"), null=True, blank=True, editable=False)
    nik_format = models.CharField(_("format NIK"), max_length=8, choices=NikFormat)
    nkk = models.CharField(_("nomor KK"), max_length=40, blank=True)
    nama = models.TextField(_("nama"))
    tempat_lahir = models.TextField(_("tempat lahir"), blank=True)
    tanggal_lahir = models.DateField(_("tanggal lahir"))
    jenis_kelamin = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex)
    status_perkawinan = models.CharField(
        _("status perkawinan"), max_length=1, choices=Marital, default=Marital.BELUM
    )
    alamat = models.TextField(_("alamat"), blank=True)
    rt = models.TextField(_("RT"), blank=True)
    rw = models.TextField(_("RW"), blank=True)
    kelurahan = models.TextField(_("kelurahan/desa"), blank=True)
    kecamatan = models.TextField(_("kecamatan"), blank=True)
    kode_wilayah = models.CharField(_("kode wilayah"), max_length=20, blank=True)
    tps = models.CharField(_("TPS"), max_length=10, blank=True)
    disabilitas = models.PositiveSmallIntegerField(_("disabilitas"), null=True, blank=True)
    keterangan = models.TextField(_("keterangan"), blank=True)

    class Meta:
        # The two indexes matching needs (rules.match.ReferenceIndex): the NIK (of 16 digits, as a
        # number), and the birth date, which also serves masked NIKs (their visible digits are
        # checked on the few rows born that day). Built after each load, never maintained row
        # by row (services/lists.py REFERENCE_INDEXES repeats them for each load's partition).
        indexes = [
            models.Index(
                fields=["nik_angka"],
                name="refentry_nik_angka",
                condition=models.Q(nik_angka__isnull=False),
            ),
            models.Index(fields=["tanggal_lahir"], name="refentry_birth_date"),
        ]
        verbose_name = _("pemilih DPT rujukan")
        verbose_name_plural = _("pemilih DPT rujukan")

    def __str__(self):
        return f"{self.position}. {self.nama}"

    @property
    def disability_label(self):
        return DISABILITY_LABELS.get(self.disabilitas, "")


class DapilEntry(models.Model):
    """A region code that lies in a dapil of one contest (CONTRACT.md "Electoral districts")."""

    class Contest(models.TextChoices):
        DPR = "DPR", _("DPR RI")
        DPRD_PROV = "DPRD_PROV", _("DPRD Provinsi")
        DPRD_KAB = "DPRD_KAB", _("DPRD Kabupaten/Kota")

    election = models.ForeignKey(
        "voters.Election",
        on_delete=models.CASCADE,
        related_name="dapil_entries",
        verbose_name=_("pemilihan"),
    )
    contest = models.CharField(_("kontestasi"), max_length=10, choices=Contest)
    dapil = models.CharField(_("dapil"), max_length=120)
    kode_wilayah = models.CharField(_("kode wilayah"), max_length=20)
    batch = models.ForeignKey(
        "voters.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("impor"),
    )

    class Meta:
        ordering = ["election", "contest", "kode_wilayah"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "contest", "kode_wilayah"], name="dapil_unique_code"
            ),
        ]
        verbose_name = _("dapil")
        verbose_name_plural = _("dapil")

    def __str__(self):
        return f"{self.contest} {self.dapil}: {self.kode_wilayah}"
