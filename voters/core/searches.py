"""Search terms that can hold a NIK never go into a URL (SECURITY.md, issue 19 item 11).

A search form is POSTed; the term is kept in the session under a short random token and the
page redirects to itself with ``cari=<token>`` beside the other (harmless) filters, so paging,
bookmarks within the session and the back button still work, while access logs, browser
history and Referer headers only ever see the token.
"""

import secrets
from urllib.parse import urlencode

from voters.rules.nik import mask_numbers

SESSION_KEY = "searches"
TOKEN_PARAM = "cari"
KEEP = 20  # terms kept per session: the latest searches


def remember(request, term: str) -> str:
    """Keep ``term`` in the session and return the token that names it."""
    if not request.user.sees_full_nik:
        term = mask_numbers(term)  # what a masked role typed comes back masked, like a NIK
    searches = dict(request.session.get(SESSION_KEY, {}))
    token = secrets.token_urlsafe(6)
    searches[token] = term
    request.session[SESSION_KEY] = dict(list(searches.items())[-KEEP:])
    return token


def recall(request) -> str:
    """The term named by the request's ``cari`` token, or '' when there is none (or it
    belongs to another session)."""
    token = request.GET.get(TOKEN_PARAM, "")
    return request.session.get(SESSION_KEY, {}).get(token, "") if token else ""


def query_with_term(request, params: dict, term: str, term_field: str = "q") -> str:
    """The query string of the GET page a search POST redirects to: every filter in
    ``params`` but the term, which is remembered and replaced by its token."""
    shown = {k: v for k, v in params.items() if k != term_field and v not in ("", None)}
    if term:
        shown[TOKEN_PARAM] = remember(request, term)
    return urlencode(shown)


def get_data_with_term(request, term_field: str = "q"):
    """The GET data of a search page with the term recalled from the session; a term put
    straight into the URL is ignored (it would already be in the logs, but is never used)."""
    data = request.GET.copy()
    data.pop(term_field, None)
    data.pop(TOKEN_PARAM, None)
    term = recall(request)
    if term:
        data[term_field] = term
    return data
