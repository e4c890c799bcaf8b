"""Login, logout, failed-login and lock-out events go to the audit trail."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from voters.core import audit
from voters.models import AuditEvent


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    now = timezone.now().timestamp()
    request.session["login_at"] = now
    request.session["last_seen"] = now
    audit.record(AuditEvent.Action.LOGIN, user=user, request=request, facility=user.facility)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(AuditEvent.Action.LOGOUT, user=user, request=request)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    audit.record(
        AuditEvent.Action.LOGIN_FAILED,
        request=request,
        result="failed",
        summary=f"nama pengguna: {str(credentials.get('username', ''))[:60]}",
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    audit.record(
        AuditEvent.Action.LOCKED_OUT,
        request=request,
        result="locked",
        summary=f"nama pengguna: {str(username)[:60]}",
    )
