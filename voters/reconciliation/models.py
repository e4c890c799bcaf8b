"""Reconciliation runs, their items, and the review decisions that outlive them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from voters.core.choices import text_choices
from voters.core.models import Job
from voters.rules import calendar, classify

# The categories of CONTRACT.md in order of precedence (rules.classify.Category), with labels.
Category = text_choices(
    "Category",
    classify.Category,
    {
        classify.Category.KELUAR: _("Keluar sebelum hari pemungutan"),
        classify.Category.PETUGAS: _("Petugas UPT di daftar"),
        classify.Category.TIDAK_DIKENAL: _("Di daftar, tidak dikenal di rutan"),
        classify.Category.TMS: _("Tidak memenuhi syarat"),
        classify.Category.LUAR_WILAYAH: _("KTP-el di luar wilayah pemilihan"),
        classify.Category.GANDA: _("Ganda di daftar TPS"),
        classify.Category.PERLU_PERIKSA: _("Perlu diperiksa"),
        classify.Category.TERDAFTAR: _("Terdaftar"),
        classify.Category.PEREKAMAN: _("Perlu perekaman Dukcapil"),
        classify.Category.USUL_DPTB: _("Usulkan pindah memilih (DPTb)"),
        classify.Category.BELUM_TERDAFTAR: _("Belum terdaftar"),
    },
    module=__name__,
)

# The next thing to do for a row (CONTRACT.md "tindakan"), judged on the run's date.
Tindakan = text_choices(
    "Tindakan",
    calendar.Action,
    {
        calendar.Action.NONE: _("Tidak ada"),
        calendar.Action.LAPOR_KPU: _("Laporkan ke KPU"),
        calendar.Action.PERIKSA: _("Periksa kecocokan"),
        calendar.Action.REKAM_KTP: _("Perekaman KTP-el (Dukcapil)"),
        calendar.Action.USUL_DPT: _("Usulkan masuk DPT TPS ini"),
        calendar.Action.USUL_DPTB: _("Ajukan pindah memilih (DPTb)"),
        calendar.Action.CARI_DPT: _("Minta KPU mencari di data nasional"),
        calendar.Action.LEWAT_BATAS: _("Lewat batas H-7"),
        calendar.Action.KONFIRMASI_PENAHANAN: _("Pastikan perpanjangan penahanan"),
    },
    module=__name__,
)


# The categories a person decides in the review queue.
REVIEW = (Category.PERLU_PERIKSA, Category.GANDA)

# The action each category asks of someone (shown on pages and in exports).
CATEGORY_ACTIONS = {
    Category.KELUAR: _("Laporkan ke KPU bila tercatat di daftar; tidak mendapat surat."),
    Category.PETUGAS: _("Petugas UPT yang memilih di TPS ini; tidak perlu dilaporkan."),
    Category.TIDAK_DIKENAL: _("Tanyakan ke KPU: orang ini tidak ada di rutan."),
    Category.TMS: _("Laporkan ke KPU sebagai TMS dengan kodenya."),
    Category.LUAR_WILAYAH: _("Tidak dapat memilih di pemilihan ini (KTP-el di luar wilayah)."),
    Category.GANDA: _("Minta KPU menghapus entri ganda."),
    Category.PERLU_PERIKSA: _("Putuskan di antrean pemeriksaan: orang yang sama atau bukan."),
    Category.TERDAFTAR: _("Tidak perlu tindakan."),
    Category.PEREKAMAN: _("Belum ada di daftar KPU dan NIK-nya perlu perekaman: ajukan "
                          "perekaman KTP-el ke Dukcapil."),
    Category.USUL_DPTB: _("Ajukan pindah memilih (Formulir Model A-Surat Pindah Memilih)."),
    Category.BELUM_TERDAFTAR: _("Tidak ada di DPT mana pun: hanya bisa DPK di TPS alamat KTP-el; "
                                "laporkan ke KPU."),
}


class ReconciliationRun(Job):
    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Dari halaman")
        NIGHTLY = "nightly", _("Jadwal malam")
        IMPORT = "import", _("Setelah impor")
        COMMAND = "command", _("Perintah")

    election = models.ForeignKey("voters.Election", on_delete=models.CASCADE,
                                 related_name="reconciliation_runs")
    facility = models.ForeignKey("voters.Facility", on_delete=models.CASCADE,
                                 related_name="reconciliation_runs")
    today = models.DateField(_("tanggal acuan"))
    trigger = models.CharField(max_length=10, choices=Trigger, default=Trigger.MANUAL)
    input_digest = models.CharField(max_length=64, blank=True)
    inputs = models.JSONField(_("masukan"), default=dict, blank=True)
    counts = models.JSONField(_("jumlah per kategori"), default=dict, blank=True)
    # {tindakan code: rows}, written with the items: what the run asks to do, without a query.
    actions = models.JSONField(_("jumlah per tindakan"), default=dict, blank=True)
    # {list kind: {category: rows}} of the rows from a KPU list, written with the items (the
    # KPU liaison's home page shows it on every view); None for a run made before it was kept.
    list_counts = models.JSONField(
        _("jumlah per daftar dan kategori"), null=True, blank=True, default=None
    )
    timings = models.JSONField(_("waktu"), default=dict, blank=True)
    changes = models.JSONField(_("perubahan sejak run sebelumnya"), default=dict, blank=True)
    reused_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two runs of the same election and facility never overlap.
            models.UniqueConstraint(fields=["election", "facility"],
                                    condition=models.Q(status="running"),
                                    name="one_running_reconciliation"),
        ]
        verbose_name = _("rekonsiliasi")
        verbose_name_plural = _("rekonsiliasi")

    def __str__(self):
        return f"Rekonsiliasi {self.election.code} {self.facility.code} #{self.pk}"

    @property
    def facility_for_access(self):
        return self.facility_id


class ReconciliationItem(models.Model):
    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    category = models.CharField(max_length=20, choices=Category, db_index=True)
    key = models.CharField(max_length=40, help_text="inmate:<id> or entry:<id>")
    inmate = models.ForeignKey("voters.Inmate", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="reconciliation_items")
    entry_ids = models.JSONField(default=list, blank=True)
    daftar = models.CharField(max_length=4, blank=True)
    tps = models.CharField(max_length=10, blank=True)
    surat_suara = models.CharField(max_length=60, blank=True)
    alasan = models.TextField(blank=True)
    deadline_note = models.TextField(blank=True)
    tindakan = models.CharField(max_length=24, blank=True, choices=Tindakan, db_index=True)
    match_layer = models.CharField(max_length=12, blank=True)
    match_score = models.FloatField(null=True, blank=True)
    match_fields = models.JSONField(default=list, blank=True)
    ref = models.JSONField(_("temuan DPT rujukan"), default=dict, blank=True)
    candidates = models.JSONField(default=list, blank=True)
    # Snapshot of who this row is about, so exports and pages work after lists are replaced.
    nik = models.CharField(max_length=40, blank=True)
    nama = models.CharField(max_length=200, blank=True)
    no_registrasi = models.CharField(max_length=60, blank=True)
    tanggal_lahir = models.DateField(null=True, blank=True)
    jenis_kelamin = models.CharField(max_length=1, blank=True)
    # The rest of what the exports print about the inmate (exports.INMATE_SNAPSHOT_FIELDS), as
    # it was when the run ran: every export of a run comes from the run, never from today's
    # roster. Empty for a row with no inmate.
    inmate_snapshot = models.JSONField(_("data WBP saat rekonsiliasi"), default=dict, blank=True)

    class Meta:
        ordering = ["run", "position"]
        indexes = [models.Index(fields=["run", "category"])]

    def __str__(self):
        return f"{self.category} {self.nama}"


class ReviewDecision(models.Model):
    """A person's verdict on a probable match; it holds while its inputs stay the same."""

    class Verdict(models.TextChoices):
        ACCEPT = "accept", _("Orang yang sama")
        REJECT = "reject", _("Bukan orang yang sama")

    election = models.ForeignKey("voters.Election", on_delete=models.CASCADE,
                                 related_name="review_decisions")
    facility = models.ForeignKey("voters.Facility", on_delete=models.CASCADE,
                                 related_name="review_decisions")
    inmate = models.ForeignKey("voters.Inmate", on_delete=models.CASCADE,
                               related_name="review_decisions")
    # The list entry is identified by its content, since a re-imported list gets new rows.
    entry_fingerprint = models.CharField(max_length=64, blank=True,
                                         help_text="empty: the inmate's reference DPT candidate")
    entry_label = models.CharField(max_length=300, blank=True)
    inmate_fingerprint = models.CharField(max_length=64)
    verdict = models.CharField(max_length=6, choices=Verdict)
    note = models.CharField(_("catatan"), max_length=500, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            # One decision in force per pairing: two reviewers at once cannot both record one.
            models.UniqueConstraint(
                fields=["election", "facility", "inmate", "entry_fingerprint"],
                condition=models.Q(superseded_at__isnull=True),
                name="voters_review_one_active_decision",
            )
        ]
        verbose_name = _("keputusan pemeriksaan")
        verbose_name_plural = _("keputusan pemeriksaan")

    def __str__(self):
        return f"{self.get_verdict_display()}: {self.inmate} / {self.entry_label}"
