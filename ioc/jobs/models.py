"""Background jobs: long work (large imports, validation runs) done outside the request, with its progress.

A Job row is the job's whole state: what to do (kind + params + an uploaded file kept under VAR_DIR/jobs/),
how far it got (done/total, a note), and how it ended (status, result). The queue (huey) only carries the
job's id, so a job survives a restart of the server: ioc.jobs.runner.requeue_unfinished puts every job that
was queued or running back in the queue when a worker starts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ioc.core.uid import generate_uid


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("queued")
        RUNNING = "RUNNING", _("running")
        SUCCESS = "SUCCESS", _("success")
        WARNING = "WARNING", _("warning")
        ERROR = "ERROR", _("error")

    FINISHED = (Status.SUCCESS, Status.WARNING, Status.ERROR)

    uid = models.CharField("uid", max_length=11, unique=True, default=generate_uid)
    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    file_path = models.CharField(max_length=500, blank=True)
    done = models.PositiveBigIntegerField(_("done"), default=0)
    total = models.PositiveBigIntegerField(_("total"), default=0)
    note = models.CharField(_("note"), max_length=255, blank=True)
    message = models.TextField(_("message"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status"], name="job_status")]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return f"{self.kind} {self.uid} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED
