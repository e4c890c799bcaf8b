"""The admin is a door of the app, not a second site with its own login.

Only administrators (is_staff, set from the role) ever see an admin page. Anyone else who is
logged in gets the app's own 403 page (audited, in Indonesian) instead of the admin's login
form. Someone not logged in gets the admin's login form (through the same lock-out).
"""

from functools import update_wrapper

from django.core.exceptions import PermissionDenied


def _refused(user):
    return user.is_authenticated and not (user.is_active and user.is_staff)


class AppAdminSiteMixin:
    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def wrapper(request, *args, **kwargs):
            if _refused(request.user):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, view)

    def login(self, request, extra_context=None):
        if _refused(request.user):
            raise PermissionDenied
        return super().login(request, extra_context)


def with_app_door(site_class):
    """``site_class`` (Django's AdminSite, or django-otp's) behind the app's door."""
    return type(f"App{site_class.__name__}", (AppAdminSiteMixin, site_class), {})
