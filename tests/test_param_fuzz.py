"""No request parameter makes a 500 (SECURITY.md check 33, issue 19 item 8).

Every page of the permission matrix (tests/pages_*.py) is requested, as a role that may see it,
on the realistic world of security_world.py, with hostile values in every GET parameter it
reads: the names its own forms and links use, the names the views read (GREPPED below) and, for
the admin, every filter of every changelist. Every form of those pages (and every POST page of
the matrix) is posted with the same values. NUL bytes, huge numbers, wrong types, very long
strings, paths and odd Unicode are each a 400, an ignored parameter or a form error: never a
500. Runs on SQLite and on PostgreSQL (CI), where a NUL in a query is an error of the driver.

How, to stay under a minute on two cores: each HOSTILE value goes to all of a page's parameters
at once; then each parameter the page reads (its forms and links, and GREPPED) gets a value of
EACH alone, in turn; pages that answer with a file (PDF, XLSX) get a NUL and three requests
that give every parameter a different value; the masked roles get the page again with long
numbers (their addresses are masked first); every admin changelist gets its filters, date
hierarchy and ordering, and its change page gets odd object ids.
"""

import traceback
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import security_world
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse

pytestmark = pytest.mark.django_db

PAGES = security_world.load_pages()

# Sent to all of a page's parameters at once, one request per value.
HOSTILE = (
    "\x00",
    "%00",
    "9" * 30,
    "-" + "9" * 30,
    "²",  # str.isdigit() says yes, int() says no
    "-1",
    "x" * 10_000,
    "../../etc/passwd",
    "\u202e\ufeffA\u0301\U0001d49c",
    "2024-02-30",
)
# Sent to each parameter alone, in turn (a bad value of one parameter could hide another).
EACH = (*HOSTILE, "a\x00b", "abc", "0", "1e400", "NaN", "' OR 1=1 --", "", " ", "1.5")
EACH_LIMIT = 24
# For pages that answer with a file (PDF, XLSX, CSV): slower, and they read few parameters.
FILE_VALUES = ("\x00",)
# The GET parameters the views read (grep "request.GET" in voters/ and coordination/; the
# filter forms' fields come from the pages themselves) ...
GREPPED = (
    "pemilihan",
    "kategori",
    "q",
    "hal",
    "page",
    "status",
    "tahapan",
    "instansi",
    "keputusan",
    "upt",
    "next",
)
# ... and, sent only all at once, the admin's own and names no page reads.
NAMES = (
    *GREPPED,
    "p",
    "o",
    "tps",
    "tindakan",
    "custody",
    "nik_status",
    "blok",
    "eligibility",
    "kind",
    "election",
    "facility",
    "all",
    "e",
    "_to_field",
    "_popup",
    "_facets",
    "_changelist_filters",
    "date__year",
    "date__month",
    "date__day",
    "tidak_ada",
)
# Forms that end the session or change the language are not pages to fuzz.
SKIP_ACTIONS = ("/keluar/", "/i18n/")
MASKED_ROLES = ("observer", "kpps")
# For those roles, a long number in the address is masked first (MaskedQueryMiddleware).
MASKED_VALUES = ("3316011505800101", "9" * 30)


class Forms(HTMLParser):
    """The forms of a page (method, action, field names) and the parameters of its links."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self.link_params = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "method": (attrs.get("method") or "get").lower(),
                    "action": attrs.get("action") or "",
                    "fields": set(),
                }
            )
        elif tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            if self.forms and attrs.get("type") != "file":
                self.forms[-1]["fields"].add(attrs["name"])
        elif tag == "a" and "?" in (attrs.get("href") or ""):
            query = urlsplit(attrs["href"]).query
            self.link_params.update(key for key, _ in parse_qsl(query, keep_blank_values=True))


def parse(response):
    parser = Forms()
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        parser.feed(response.content.decode("utf-8", "replace"))
    return parser


@pytest.fixture
def rich(people, blora, rembang, election, tps901, tps902, tps_rembang, tmp_path, monkeypatch):
    world = security_world.places(people, blora, rembang, election, tps901, tps902, tps_rembang)
    letter_worlds = security_world.letter_world_once(monkeypatch)
    security_world.build(world, tmp_path)
    letter_worlds.update(world["letter_worlds"])
    return world


class Fuzzer:
    """Sends requests and records every 500 with where it was raised."""

    def __init__(self, world):
        self.world = world
        self.clients = {}
        self.failures = []
        self.sent = 0

    def client(self, role):
        if role not in self.clients:
            client = Client(raise_request_exception=False)
            client.force_login(self.world["people"][role])
            self.clients[role] = client
        return self.clients[role]

    def send(self, role, method, url, data=None):
        """One request in a savepoint (a database error must not spoil the next request)."""
        data = data or {}
        client = self.client(role)
        savepoint = transaction.savepoint()
        if method == "get":
            separator = "&" if "?" in url else "?"
            response = client.get(url + (separator + urlencode(data) if data else ""))
        else:
            response = client.post(url, data)
        self.sent += 1
        if response.status_code < 500:
            transaction.savepoint_commit(savepoint)
            return response
        transaction.savepoint_rollback(savepoint)
        shown = ", ".join(f"{name}={value[:12]!r}" for name, value in sorted(data.items())[:5])
        self.failures.append(f"{role} {method.upper()} {url[:80]} {{{shown}}}: {where(response)}")
        return response

    def report(self):
        """The failures, one line per place in the code (with the first request that hit it)."""
        first = {}
        for failure in self.failures:
            first.setdefault(failure.rsplit(" at ", 1)[-1], failure)
        return f"{len(self.failures)} requests were a 500:\n" + "\n".join(first.values())

    def fuzz(self, role, method, url, names, values=HOSTILE, each=True, mixed=0):
        """Every value in all the names at once, then (each=True) every name alone, then
        `mixed` requests that give each name another value."""
        names = sorted(names)
        if not names:
            return
        for value in values:
            self.send(role, method, url, dict.fromkeys(names, value))
        if each:  # a large form (the admin's list editing): a sample of its fields
            step = -(-len(names) // EACH_LIMIT)
            for index, name in enumerate(names[::step]):
                self.send(role, method, url, {name: EACH[index % len(EACH)]})
        for turn in range(mixed):
            self.send(
                role,
                method,
                url,
                {name: EACH[(index + 5 * turn) % len(EACH)] for index, name in enumerate(names)},
            )


def where(response):
    error = getattr(response, "exc_info", None)
    if not error:
        return str(response.status_code)
    frames = [f for f in traceback.extract_tb(error[2]) if "/.venv/" not in f.filename]
    place = f"{frames[-1].filename.rsplit('/', 2)[-2:]}:{frames[-1].lineno}" if frames else ""
    return f"{error[1]!r:.160} at {place}"


def role_for(page):
    for role in ("operator", "kpu", "admin", "kpps", "observer"):
        if role in page.roles:
            return role
    return None


def path_of(action, page_url):
    """The path a form posts to, or None when it leaves the app's pages."""
    path = urlsplit(action).path or urlsplit(page_url).path
    if path.startswith(SKIP_ACTIONS):
        return None
    try:
        resolve(path)
    except Resolver404:
        return None
    return path


def is_file(response):
    return not response.get("Content-Type", "").startswith(("text/html", "application/json"))


def test_no_get_or_post_parameter_of_any_page_is_a_500(rich):
    fuzzer = Fuzzer(rich)
    posted = set()
    post_pages = []
    for page in PAGES:
        role = role_for(page)
        if role is None:
            continue
        url = page.url(rich)
        if page.method == "post":
            post_pages.append((role, url))
            continue
        first = fuzzer.send(role, "get", url)
        found = parse(first)
        own = set(found.link_params)
        for form in found.forms:
            if form["method"] == "get":
                own |= form["fields"]
        if is_file(first):
            fuzzer.fuzz(role, "get", url, set(NAMES) | own, FILE_VALUES, each=False, mixed=3)
            continue
        fuzzer.fuzz(role, "get", url, set(NAMES) | own, each=False)
        fuzzer.fuzz(role, "get", url, own | set(GREPPED), values=())
        masked = next((r for r in MASKED_ROLES if r in page.roles), None)
        if masked:  # the masking of the address (MaskedQueryMiddleware) runs for these
            fuzzer.fuzz(masked, "get", url, set(NAMES) | own, MASKED_VALUES, each=False, mixed=1)
        for form in found.forms:
            path = path_of(form["action"], url)
            if form["method"] != "post" or path is None or path in posted:
                continue
            posted.add(path)
            fuzzer.fuzz(role, "post", path, form["fields"] - {"csrfmiddlewaretoken"})
    for role, url in post_pages:
        if urlsplit(url).path not in posted:
            fuzzer.fuzz(role, "post", url, {"next", "status", "key", "kind", "reason", "note"})
    assert fuzzer.sent > 500
    assert not fuzzer.failures, fuzzer.report()


ADMIN_NAMES = ("o", "p", "q", "all", "e", "_facets", "_to_field", "_popup")


def admin_filters(model_admin, link_params):
    names = set(ADMIN_NAMES) | set(link_params)
    if model_admin.date_hierarchy:
        names |= {f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")}
    for entry in model_admin.list_filter:
        field = entry[0] if isinstance(entry, tuple) else entry
        if isinstance(field, str):
            names |= {f"{field}__exact", f"{field}__id__exact", f"{field}__isnull"}
    return names


def test_no_filter_or_object_id_of_any_admin_page_is_a_500(rich):
    fuzzer = Fuzzer(rich)
    for model, model_admin in admin.site._registry.items():
        base = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        url = reverse(f"{base}_changelist")
        names = admin_filters(model_admin, parse(fuzzer.send("admin", "get", url)).link_params)
        fuzzer.fuzz("admin", "get", url, names, each=False)
        fuzzer.fuzz("admin", "get", url, {n for n in names if "__" in n or n in "op"}, values=())
        for value in ("%00", "9" * 30, "%C2%B2"):
            fuzzer.send(
                "admin", "get", reverse(f"{base}_change", args=["0"]).replace("/0/", f"/{value}/")
            )
    assert not fuzzer.failures, fuzzer.report()


@pytest.fixture
def world(people, blora, rembang, election, tps901, tps902, tps_rembang):
    return security_world.places(people, blora, rembang, election, tps901, tps902, tps_rembang)


def run_url(world):
    from pages_reconciliation import done_run

    return reverse("reconciliation_run", args=[done_run(world, "blora").pk])


# The addresses of issue 19 (item 8), each a 500 before.
REPORTED = (
    ("operator", lambda w: "/wbp/?pemilihan=%00"),
    ("operator", lambda w: "/rekonsiliasi/?pemilihan=%00"),
    ("operator", lambda w: "/rekonsiliasi/periksa/?pemilihan=%00"),
    ("operator", lambda w: "/rapat/?pemilihan=%00"),
    ("operator", lambda w: "/rapat/?q=%00"),
    ("operator", lambda w: "/rapat/tindak-lanjut/?pemilihan=%00"),
    ("operator", lambda w: run_url(w) + "?kategori=%00"),
    ("operator", lambda w: "/wbp/%00/"),
    ("admin", lambda w: "/admin/coordination/meeting/?date__year=999999999999999999999999"),
    ("admin", lambda w: "/admin/coordination/meeting/?date__year=-99999999999999999999"),
    ("admin", lambda w: "/admin/voters/inmate/?facility__id__exact=%00"),
)


@pytest.mark.parametrize("index", range(len(REPORTED)))
def test_the_reported_addresses_are_a_400_with_the_apps_page(index, world):
    role, url = REPORTED[index]
    client = Client(raise_request_exception=False)
    client.force_login(world["people"][role])
    response = client.get(url(world))
    assert response.status_code == 400, (url(world), response.status_code)
    assert "Permintaan tidak valid" in response.content.decode()


def test_a_nul_in_a_posted_field_is_a_400_and_changes_nothing(world):
    from coordination.models import Institution

    client = Client(raise_request_exception=False)
    client.force_login(world["people"]["operator"])
    before = Institution.objects.count()
    response = client.post(
        reverse("coordination:institution_create"), {"name": "KPU\x00", "short_name": "K"}
    )
    assert response.status_code == 400
    assert Institution.objects.count() == before


@pytest.mark.parametrize(
    "target", ["-1", "²", "home", "//evil.example/", "https://evil/", "/\\evil"]
)
def test_a_next_that_is_not_a_path_of_the_site_falls_back(target, world):
    client = Client(raise_request_exception=False)
    client.force_login(world["people"]["kpps"])
    url = reverse("delivery_clear", args=[world["tps901"].pk])
    response = client.post(url, {"key": "wbp:0", "next": target})
    assert response.status_code == 302
    assert response.url == reverse("deliveries", args=[world["tps901"].pk])
