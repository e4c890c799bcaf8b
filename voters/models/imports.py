"""An upload or command-line import, kept as a job row with its preview and its outcome."""

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .jobs import Job


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
        # A confirmed roster upload was claimed once already by its preview job
        # (services/inmates.run_roster_preview), which does not count as a run of the import.
        if self.kind == self.Kind.INMATES and self.confirmed_at and self.sha256:
            return max(self.attempts - 1, 0)
        return self.attempts

    @property
    def facility_for_access(self):
        return self.facility_id or (self.tps.facility_id if self.tps_id else None)

    @property
    def awaits_confirmation(self):
        """A roster preview read and shown, not yet confirmed."""
        return (
            self.kind == self.Kind.INMATES
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
