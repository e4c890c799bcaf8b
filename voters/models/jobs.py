"""Long jobs are rows: status, progress (done/total), timings and error (STYLE.md).

A page reads the row to show a live progress bar; a crashed worker leaves a row whose heartbeat
stops, which the sweeper (voters/services/jobs.py) sends to the queue once more, and reports as
failed when it is lost a second time, instead of leaving it "running" forever.
"""

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

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
