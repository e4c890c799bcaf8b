"""Login lock-out: a user name and an address are each locked on their own (README "Security").

django-axes with ``AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]`` counts the failures of
each parameter separately and locks when the larger count reaches ``AXES_FAILURE_LIMIT``. This
handler keeps that, with two changes:

- an address has its own, higher limit (``AXES_ADDRESS_FAILURE_LIMIT``): a whole office logs in
  from one NAT address, and five typos spread over its staff must not lock all of them out;
- a successful login clears that user name's failures only. Axes would clear every failure
  from the address too, so that anyone with an account could log in between guesses and keep
  the address (and the user names tried from it) below the limits for ever.

Both locks end ``AXES_COOLOFF_TIME`` after the last counted failure; tries during a lock are
not counted (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False``), so nobody can keep a
user locked by one request every few minutes.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        """The count axes compares with AXES_FAILURE_LIMIT (the user-name limit).

        A user name's own failures, or, once the address has reached its higher limit, the
        address's failures (then at least the user-name limit, so the address is locked).
        """
        counts = {}
        parameters = get_lockout_parameters(request, credentials)
        for parameter, attempts in zip(
            parameters, self.get_user_attempts(request, credentials), strict=True
        ):
            key = parameter if isinstance(parameter, str) else tuple(parameter)
            counts[key] = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
        by_address = counts.pop("ip_address", 0)
        if by_address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(by_address, get_failure_limit(request, credentials))
        return max(counts.values(), default=0)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful login: forget this user name's failures, not its address's."""
        username = get_client_username(request, credentials)
        if username is None:
            return 0
        count, _deleted = AccessAttempt.objects.filter(username=username).delete()
        return count
