"""Who may do what: roles, facility scope and NIK masking, in one place.

Every view declares the roles it serves with @role_required; objects are always fetched
through the user's scope (facilities(), tps_queryset()), so an object of another facility is
a 404, never a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from voters.models import Facility, User
from voters.rules import nik as nik_rules

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest, HttpResponse

Role = User.Role
ALL_ROLES = tuple(Role.values)
STAFF = (Role.OPERATOR, Role.KPU, Role.ADMIN)
READERS = (Role.OPERATOR, Role.KPU, Role.OBSERVER, Role.ADMIN)


def has_role(user: User | AnonymousUser, roles: Iterable[str]) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.role in roles or user.role == Role.ADMIN


def role_required(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Allow the given roles (admins always); others get 403, anonymous users the login page."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, roles):
                raise PermissionDenied
            if needs_second_factor(request) and view.__name__ != "two_factor":
                return redirect(f"{reverse('two_factor')}?next={request.get_full_path()}")
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorator


def needs_second_factor(request: HttpRequest) -> bool:
    """With REQUIRE_2FA, roles that see full NIKs must pass a TOTP check after the password."""
    user = request.user
    return (settings.REQUIRE_2FA and user.sees_full_nik
            and not (hasattr(user, "is_verified") and user.is_verified()))


def nik_search_digits(user: User, digits: str) -> str | None:
    """How many leading NIK digits ``user`` may search by: all for the staff roles, only the
    visible ones for the masked roles (SECURITY.md check 30). Returns ``digits`` when the
    search is allowed, None when it would reveal a digit the user cannot see, so that every
    refused query gets the same answer whatever its hidden digits are."""
    if user.sees_full_nik:
        return digits
    if len(digits) <= nik_rules.MASK_VISIBLE:
        return digits
    return None


def show_nik(user: User, value: str | None, *, own_tps_letter: bool = False) -> str:
    """A NIK or KK as this user may see it: in full for staff roles, masked for the others."""
    if not value:
        return ""
    if user.sees_full_nik or own_tps_letter:
        return value
    return nik_rules.mask(value)


FACILITY_SESSION_KEY = "upt"


def current_facility(request: HttpRequest) -> Facility | None:
    """The facility a page is about. A user of one facility: theirs. A user who sees several (a
    regency's KPU liaison or observer, a system admin) picks one in the top bar; it is kept in
    the session and always re-checked against their scope. A regional user who has not picked
    one yet gets the first of their region; a system admin none (the pages say so)."""
    if "_current_facility" in request.__dict__:
        return request.__dict__["_current_facility"]
    user = request.user
    chosen = None
    if user.is_authenticated:
        if not user.is_regional:
            chosen = user.facility
        else:
            scope = user.facilities()
            code = request.session.get(FACILITY_SESSION_KEY)
            if code:
                chosen = scope.filter(code=code).first()
            if chosen is None and user.region_code:
                chosen = scope.order_by("name").first()
    request.__dict__["_current_facility"] = chosen
    return chosen
