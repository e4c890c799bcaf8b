"""Sessions end after a period of inactivity and after an absolute lifetime; requests with
parameters no view can use are a 400; language, upload size and masked addresses."""

import logging
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import DataError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

logger = logging.getLogger(__name__)


# Seconds between two writes of a session's "last seen" time (the idle timer's resolution).
LAST_SEEN_RESOLUTION = 60


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
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Activity is a request for a view that is not marked @passive (the progress polls):
        # a page left open on a job that never ends must not keep an idle session alive.
        # A passive request does not write the session at all.
        if request.user.is_authenticated and not is_passive(view_func):
            now = timezone.now().timestamp()
            # Written at most once a minute: saving the session is a database write, and on
            # every page it was a good part of a page's cost under load (bench/README.md
            # "Pages under load"). The idle timeout is then exact to within that minute.
            if now - request.session.get("last_seen", 0) >= LAST_SEEN_RESOLUTION:
                request.session["last_seen"] = now
        return None


def passive(view):
    """Mark a view whose requests are not the person's activity (a page polling for progress):
    they neither refresh the session's idle timer nor save the session (SECURITY.md check 3)."""
    view.passive = True
    return view


def is_passive(view_func):
    return getattr(view_func, "passive", False)


# The one character PostgreSQL text cannot hold (every other control character it stores): a
# NUL in a lookup is refused before the query is sent, as a 500 unless caught.
UNSTORABLE = "\x00"


def _unstorable(values):
    return any(UNSTORABLE in value for value in values if isinstance(value, str))


def _query_is_unstorable(query):
    return any(_unstorable((key, *query.getlist(key))) for key in query)


def bad_request(request):
    return render(request, "400.html", status=400)


class BadParameterMiddleware:
    """A request parameter no view can use is a 400, never a 500 (SECURITY.md check 33).

    Before any view runs, a NUL in the path or in a GET parameter (name or value), in a POST
    field or in an uploaded file's name is a 400 with the app's page (templates/400.html).
    A POST body is read here only for views whose CSRF check reads it anyway: a view exempt
    from it (``capped_upload`` below) must set its upload handlers first,
    and a NUL in its fields is caught on its way to the database by process_exception.
    That also answers 400 for the other exceptions only a client's value can cause (see
    is_bad_value); the views check what they turn into redirects and lookups
    (voters/core/params.py), and this is the net under them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if UNSTORABLE in request.path_info or _query_is_unstorable(request.GET):
            return bad_request(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return None
        if _query_is_unstorable(request.POST):
            return bad_request(request)
        names = (upload.name for uploads in request.FILES.lists() for upload in uploads[1])
        if _unstorable(names):
            return bad_request(request)
        return None

    def process_exception(self, request, exception):
        if is_bad_value(exception):
            # A view that should have checked its input: logged so that it gets fixed (the
            # value itself is not logged, it may be a NIK).
            logger.warning(
                "Bad request value at %s: %s", request.path[:200], type(exception).__name__
            )
            return bad_request(request)
        return None


def is_bad_value(exception):
    """Whether an exception can only come from a value sent by the client: a number too large
    for a C integer (the admin's date hierarchy turns ?date__year=999999999999 into a
    datetime and catches only ValueError), or a NUL on its way to PostgreSQL (psycopg's
    ValueError, which Django raises as DataError "... cannot contain NUL (0x00) bytes")."""
    if isinstance(exception, OverflowError):
        return True
    return isinstance(exception, ValueError | DataError) and "NUL (0x00)" in str(exception)


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


# Room for the form fields and multipart boundaries around the file itself.
MULTIPART_SLACK = 64 * 1024


class UploadLimitMiddleware:
    """Refuse an over-size request body before Django reads it (SECURITY.md check 9): the one
    check of an upload's declared size, for every path.

    Form-level checks run only after the whole body has been received and spooled to disk;
    this answers 413 from the Content-Length alone. The limit is MAX_UPLOAD_BYTES, or the
    setting a view names with ``capped_upload`` (the reference DPT upload:
    MAX_REFERENCE_UPLOAD_BYTES).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponse

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # No limit is below zero: a body within the slack never needs the view looked up.
        if length > MULTIPART_SLACK:
            limit = upload_limit(request.path_info)
            if length > limit + MULTIPART_SLACK:
                return HttpResponse(
                    f"Berkas terlalu besar: batasnya {limit // (1024 * 1024)} MB.".encode(),
                    status=413,
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)


def upload_limit(path):
    """The upload limit in bytes of the view at ``path`` (read when the request comes: settings
    are never read at import time)."""
    from django.urls import Resolver404, resolve

    try:
        view = resolve(path).func
    except Resolver404:
        view = None
    return getattr(settings, getattr(view, "upload_limit", "MAX_UPLOAD_BYTES"))


class CappedUploadHandler(FileUploadHandler):
    """Stops an upload as soon as it passes the cap (SECURITY.md check 9): nothing beyond the
    cap is read into memory or written to a temporary file."""

    def __init__(self, request, limit):
        super().__init__(request)
        self.limit = limit
        self.exceeded = False
        self.bounded = bool(request.META.get("CONTENT_LENGTH"))

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            # With a declared length (already checked below the cap plus slack) the rest is
            # read and dropped, so the browser gets our page; otherwise the connection is cut.
            raise StopUpload(connection_reset=not self.bounded)
        return raw_data

    def file_complete(self, file_size):
        return None


def capped_upload(limit_setting):
    """For an upload view: its limit is the setting named here (UploadLimitMiddleware refuses a
    request declared larger), and a body that turns out larger is read no further than that
    (``request.capped_upload.exceeded`` then tells the view)."""

    def decorator(view):
        protected = csrf_protect(view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                handler = CappedUploadHandler(request, getattr(settings, limit_setting))
                request.upload_handlers.insert(0, handler)
                request.capped_upload = handler
            # The CSRF check reads the body, so it runs once the handler is in place.
            return protected(request, *args, **kwargs)

        wrapper.upload_limit = limit_setting
        return csrf_exempt(wrapper)

    return decorator


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

        from voters.rules.nik import mask_numbers

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
