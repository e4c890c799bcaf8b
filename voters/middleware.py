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


class LanguageMiddleware:
    """Bahasa Indonesia unless the person chose another language (cookie set by set_language).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: prison PCs
    often run an English Windows, and the interface must still be in Indonesian.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class UploadLimitMiddleware:
    """Refuse an over-size request body before Django reads it (SECURITY.md check 9).

    Form-level checks run only after the whole body has been received and spooled to disk;
    this answers 413 from the Content-Length alone. Paths in LARGE_UPLOAD_PATHS (the reference
    DPT upload) get MAX_REFERENCE_UPLOAD_BYTES.
    """

    OVERHEAD = 64 * 1024  # multipart boundaries and the other form fields

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponse

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_UPLOAD_BYTES
        if any(request.path.startswith(p) for p in settings.LARGE_UPLOAD_PATHS):
            limit = settings.MAX_REFERENCE_UPLOAD_BYTES
        if length > limit + self.OVERHEAD:
            return HttpResponse(
                f"Berkas terlalu besar: batasnya {limit // (1024 * 1024)} MB.".encode(),
                status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class MaskedQueryMiddleware:
    """For the roles that see NIKs masked, a long number in a page's address is masked before
    any view or template reads it (SECURITY.md check 7).

    Search boxes, page links, "next" fields and the language switch echo the address, so a
    NIK typed into a GET search would otherwise come back whole. These roles never search by
    a whole NIK, so nothing they can do changes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import QueryDict

        from .nik import mask_numbers

        query = request.META.get("QUERY_STRING", "")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.sees_full_nik:
            masked = mask_numbers(query)
            if masked != query:
                request.META["QUERY_STRING"] = masked
                request.GET = QueryDict(masked, encoding=request.encoding)
            # A NIK typed into the address itself: no page of the app has one in its path, so
            # the masked path resolves to the same 404, and every echo of it is masked.
            path = mask_numbers(request.path)
            if path != request.path:
                request.path = path
                request.path_info = mask_numbers(request.path_info)
        return self.get_response(request)
