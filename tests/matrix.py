"""The role x page x object permission matrix that every page joins.

Each Page names a URL for an object of the user's own facility (or own TPS) and, where the
page shows an object, a URL for an object of another facility or another TPS. The matrix test
(test_access_matrix.py) requests every page as every role and checks: the roles listed get 200,
the others 403 (anonymous: the login page); a foreign object is never shown to anyone.

To add a page: append a Page here with a `setup` that creates what it needs from the `world`
(the fixtures of conftest.py) and returns the URLs.
"""

from dataclasses import dataclass, field

ROLES = ("operator", "kpps", "kpu", "observer", "admin")


@dataclass
class Page:
    name: str
    roles: tuple
    url: object  # callable(world) -> str
    foreign_url: object = None  # callable(world) -> str, an object outside the user's scope
    # roles that may reach the foreign object (e.g. another TPS of the same facility)
    foreign_roles: tuple = ()
    method: str = "get"
    ok_status: tuple = field(default=(200,))


PAGES = []


def page(*args, **kwargs):
    PAGES.append(Page(*args, **kwargs))
