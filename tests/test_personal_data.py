"""No full NIK, KK number or birth date reaches the masked roles (SECURITY.md checks 6 and 7).

The matrix (matrix.py) requests every page as every role on a small world; here every page is
requested as an observer and as a KPPS officer on a realistic world (security_world.py), and
whatever comes back (HTML, JSON, CSV, XLSX, PDF) is read as text and searched for a 16-digit
number and for the whole birth date of anyone in the world.
"""

import importlib
import pkgutil
from pathlib import Path

import pages_letters
import pytest
import security_world
from django.urls import get_resolver, resolve, reverse
from matrix import PAGES
from security_world import birth_dates, body, full_numbers, leaks, scan

for _info in pkgutil.iter_modules([str(Path(__file__).parent)]):
    if _info.name.startswith("pages_"):
        importlib.import_module(_info.name)

pytestmark = pytest.mark.django_db

# The KPPS officer's own TPS letters carry the voter's full NIK by design (DOMAIN.md §5.1).
OWN_LETTERS = {"letter_batch_download"}
# URL names that are not pages of the app (Django's own views) or need no role.
NOT_PAGES = {"login", "logout", "health", "two_factor", "set_language"}


@pytest.fixture
def world(people, blora, rembang, election, tps901, tps902, tps_rembang):
    return security_world.places(people, blora, rembang, election, tps901, tps902, tps_rembang)


@pytest.fixture
def letter_worlds(monkeypatch):
    return security_world.letter_world_once(monkeypatch)


@pytest.fixture
def rich(world, tmp_path, letter_worlds):
    security_world.build(world, tmp_path)
    letter_worlds.update(world["letter_worlds"])
    return world


def named_urls():
    names = set()
    for pattern in get_resolver().url_patterns:
        namespace = getattr(pattern, "namespace", None)
        if namespace == "admin" or getattr(pattern, "app_name", None) == "admin":
            continue
        for sub in getattr(pattern, "url_patterns", [pattern]):
            if getattr(sub, "name", None):
                names.add(f"{namespace}:{sub.name}" if namespace else sub.name)
    return names - NOT_PAGES


def test_every_page_of_the_app_is_in_the_permission_matrix(world, letter_worlds):
    pages_letters.build_letter_world(world["tps901"])  # before any page makes a list there
    reached = set()
    for page in PAGES:
        for url in (page.url, page.foreign_url):
            if url is not None:
                match = resolve(url(world).split("?")[0])
                reached.add(f"{match.namespace}:{match.url_name}" if match.namespace
                            else match.url_name)
    missing = named_urls() - reached
    assert not missing, f"pages missing from tests/pages_*.py: {sorted(missing)}"


def request(client, page, url):
    return getattr(client, page.method)(url)


@pytest.mark.parametrize("role", ["observer", "kpps"])
def test_no_page_gives_a_masked_role_a_full_nik_or_birth_date(role, rich, client_for):
    client = client_for(rich["people"][role])
    problems = []
    for page in PAGES:
        urls = [page.url(rich)] + ([page.foreign_url(rich)] if page.foreign_url else [])
        for url in urls:
            if role == "kpps" and page.name in OWN_LETTERS and url == urls[0]:
                continue
            response = request(client, page, url)
            found = leaks(scan(body(response)), days=birth_dates())
            if found:
                problems.append((page.name, url, response.status_code, found[:4]))
    assert problems == []


@pytest.mark.parametrize("role", ["observer", "kpps"])
def test_searching_by_a_full_nik_echoes_it_masked(role, rich, client_for):
    from voters.models import VoterList

    client = client_for(rich["people"][role])
    nik = rich["letter_worlds"][rich["tps901"].pk].inside[0].nik
    voter_list = VoterList.objects.get(tps=rich["tps901"], kind="DPT")
    responses = [
        client.post(reverse("voter_list_detail", args=[voter_list.pk]), {"q": nik}),
        client.post(reverse("reference_dpt"), {"nik": nik}),
        client.post(reverse("inmate_list"), {"q": nik}, follow=True),
        client.get(reverse("kpps_tps", args=[rich["tps901"].pk]), {"q": nik}),
        client.get(reverse("deliveries", args=[rich["tps901"].pk]), {"q": nik}),
    ]
    for response in responses:
        assert not leaks(scan(body(response)), days=birth_dates()), response.request["PATH_INFO"]


def test_a_kpps_letter_pdf_carries_only_the_niks_of_its_own_tps(rich, client_for):
    client = client_for(rich["people"]["kpps"])
    batch = rich["letter_batch"]
    response = client.get(reverse("letter_batch_download", args=[batch.pk]))
    assert response.status_code == 200
    text = scan(body(response))
    others = full_numbers([rich["rembang"]]) | {
        e.nik for e in rich["tps902"].voter_lists.get(kind="DPT").entries.all()
    }
    assert not leaks(text, numbers=others)
    own = rich["letter_worlds"][rich["tps901"].pk].inside[0].nik
    assert own in text  # the check reads the PDF's text: a full NIK would be found


def test_the_scanner_reads_pdf_text_and_xlsx_cells(tmp_path):
    from voters.core import spreadsheets as exports
    from voters.letters import pdf as letters

    rendered = letters.render_html("<p>NIK 3316011505800101, lahir 15 Mei 1980</p>")
    import datetime as dt

    day = dt.date(1980, 5, 15)
    assert leaks(scan(rendered.pdf), days=[day]) == ["nik:3316011505800101", "lahir:15 Mei 1980"]
    path = tmp_path / "x.xlsx"
    exports.write_xlsx(path, ["nik", "lahir"], [["3316011505800101", "15-05-1980"]])
    assert len(leaks(scan(path.read_bytes()), days=[day])) == 2
