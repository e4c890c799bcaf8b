"""An upload or command-line import, kept as a job row with its preview and its outcome."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .jobs import Job


class ImportBatch(Job):
    class Kind(models.TextChoices):
        INMATES = "inmates", _("Data WBP (SDP)")
        VOTER_LIST = "voter_list", _("Daftar pemilih TPS")
        REFERENCE_DPT = "reference_dpt", _("DPT kabupaten/kota (rujukan)")
        DUKCAPIL = "dukcapil", _("Jawaban Dukcapil")
        DAPIL = "dapil", _("Tabel dapil")

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

    @property
    def facility_for_access(self):
        return self.facility_id or (self.tps.facility_id if self.tps_id else None)
