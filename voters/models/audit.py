"""The audit trail of actions: logins, refusals, imports, exports and prints.

Field-level history of the data itself is kept by django-pghistory (database triggers, so bulk
writes are captured too). This table records what people did, with who, what and how much.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
