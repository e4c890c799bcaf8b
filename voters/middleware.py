"""Sessions end after a period of inactivity and after an absolute lifetime."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            last_seen = request.session.get("last_seen", now)
            login_at = request.session.get("login_at", now)
            if (
                now - last_seen > settings.SESSION_IDLE_TIMEOUT
                or now - login_at > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
                messages.info(
                    request, _("Sesi Anda berakhir karena tidak aktif. Silakan masuk lagi.")
                )
                return redirect(f"{reverse('login')}?next={request.path}")
            # Progress polling is not activity: it must not keep an idle session alive.
            if not request.path.startswith("/pekerjaan/"):
                request.session["last_seen"] = now
        return self.get_response(request)
