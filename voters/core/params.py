"""Reading request parameters that a view turns into a redirect or a lookup (SECURITY.md check 33).

Whatever a client sends is either used or ignored, never a 500: a NUL anywhere is refused by
BadParameterMiddleware before any view runs; these helpers cover what is left.
"""

from django.utils.http import url_has_allowed_host_and_scheme


def local_url(request, target):
    """``target`` when it is a path of this site ("/..."), else None.

    A posted or queried ``next`` goes to redirect(), which takes anything without a slash for
    a URL name (``next=-1`` was a NoReverseMatch, a 500) and anything with a host for an
    address elsewhere (an open redirect).
    """
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return target


def whole_number(value):
    """The int of a string of ASCII digits (an id, a page number), else None.

    str.isdigit() accepts "²" and other characters that int() refuses.
    """
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


# Rows per page of the long tables (the roster, the NIK work lists, a voter list, a
# reconciliation run): one figure for all of them. A page's cost is mostly its rows
# (bench/README.md "Pages under load"); an export or "semua" covers every row.
TABLE_ROWS = 50
