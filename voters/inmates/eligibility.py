"""Who may not vote, for the roster's eligibility filter, without judging every inmate per request.

Eligibility is one Python rule (``rules.eligibility.tms_reasons``, through
``selectors.ineligibility``).
A filter on it needs the verdict on every inmate of the scope, which grows with the roster
(5,000 inmates: most of the page's time, bench/README.md "Pages under load"). So the verdicts
on a facility's inmates for an election are computed once, by that same rule, and kept in
Django's cache as the ids of the inmates who may not vote (a few per cent of a roster); the
page then filters and pages in the database (``pk__in`` / ``exclude(pk__in=…)``).

The cache key names everything the verdicts depend on, so a stale entry is never read:

- the election and its polling day (the only election input of the rule);
- a fingerprint of the facility's roster read in one aggregate query per request: the number of
  inmates, the highest id, the sum of the ``version`` counters and the latest ``updated_at``.
  Every write path of the project changes one of them: a new inmate raises the count and the
  highest id, a removed one lowers the count, the SDP import's updates and the NIK and custody
  services bump ``version`` and set ``updated_at``, the retention purge sets ``updated_at``;
- a generation per facility that ``post_save``/``post_delete`` of an inmate renew, for a plain
  ``save()`` that touches neither counter (the shell, a future admin page). With the default
  per-process cache it covers that process; the fingerprint covers every process.

An entry lives ``TTL`` seconds at most; a changed roster simply makes a new key.
"""

import hashlib
import uuid

from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from voters.models import Inmate
from voters.reconciliation.selectors import UNUSED_INMATE_FIELDS, ineligibility, tms_table

TTL = 3600
PREFIX = "eligibility:v1"


def _generation_key(facility_id):
    return f"{PREFIX}:gen:{facility_id}"


def roster_versions(inmates):
    """{facility id: version string} of these inmates' facilities: the fingerprint (number of
    inmates, highest id, sum of versions, latest update) read in one aggregate query, and the
    facility's generation. Any change of a facility's roster changes its string."""
    rows = list(
        inmates.order_by()
        .values("facility_id")
        .annotate(n=Count("pk"), top=Max("pk"), versions=Sum("version"), at=Max("updated_at"))
        .values_list("facility_id", "n", "top", "versions", "at")
    )
    generations = cache.get_many([_generation_key(row[0]) for row in rows])
    return {
        facility: f"{generations.get(_generation_key(facility), 0)}:{n}:{top}:{versions}:"
        f"{at.isoformat() if at else ''}"
        for facility, n, top, versions, at in rows
    }


def digest(value):
    """``value`` (its ``repr``: tuples, lists, ids, dates, strings) as a short key part: a
    cache entry is kept under a digest of everything it shows."""
    return hashlib.sha256(repr(value).encode()).hexdigest()[:40]


def field_values(instance):
    """Every stored field of ``instance``, as a key part: a change of any of them is a new key
    (the election's, which eligibility and the deadlines read)."""
    return [getattr(instance, field.attname) for field in instance._meta.concrete_fields]


def versions_digest(versions):
    """All the versions of ``roster_versions`` as one short key part: a cache entry about a
    whole scope (several facilities) is kept under it."""
    return digest(sorted(versions.items()))


def ineligible_ids(inmates, election, versions=None):
    """Ids of the inmates of this queryset's facilities who may not vote in this election.

    ``inmates`` is a scope: every inmate of the facilities it covers (``Inmate.objects.for_user``),
    before any search or filter. One aggregate query when the verdicts are cached (none when
    the caller passes the scope's ``roster_versions``); otherwise one more query per facility
    whose roster changed, and the rule judged on its inmates."""
    if versions is None:
        versions = roster_versions(inmates)
    keys = {
        facility: f"{PREFIX}:{election.pk}:{election.polling_date}:{facility}:{version}"
        for facility, version in versions.items()
    }
    cached = cache.get_many(list(keys.values()))
    found = set()
    table = None
    for facility, key in keys.items():
        ids = cached.get(key)
        if ids is None:
            table = table or tms_table()
            ids = [
                inmate.pk
                for inmate in inmates.filter(facility_id=facility)
                .order_by()
                .defer(*UNUSED_INMATE_FIELDS)
                if ineligibility(inmate, election, table)
            ]
            cache.set(key, ids, TTL)
        found.update(ids)
    return found


def by_roster(inmates, name, compute, *, versions=None, parts=()):
    """``compute()``, a figure about every inmate of the scope ``inmates`` (a count, a list of
    blocks), kept in the cache under the scope's roster versions and ``parts`` (the day it is
    about, ...): a change of any roster of the scope makes a new key. ``versions`` saves the
    aggregate query when the caller has read them already."""
    if versions is None:
        versions = roster_versions(inmates)
    key = f"{PREFIX}:{name}:{':'.join(map(str, parts))}:{versions_digest(versions)}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TTL)
    return value


def scope_key(name, versions, parts=()):
    """A cache key about the scope whose ``roster_versions`` are ``versions`` and about
    ``parts`` (their ``repr`` is digested: a page's filters, the election's fields, ...)."""
    return f"{PREFIX}:{name}:{digest(tuple(parts))}:{versions_digest(versions)}"


def request_versions(request):
    """``roster_versions`` of the user's whole scope (``Inmate.objects.for_user``), read once
    per request: the home page's figures, its letters' counts and the roster key on them."""
    memo = request.__dict__
    if "_roster_versions" not in memo:
        memo["_roster_versions"] = roster_versions(
            Inmate.objects.filter(facility_id__in=facility_ids(request.user)))
    return memo["_roster_versions"]


def facility_ids(user):
    """The ids of ``user.facilities()`` as a list. The versions' aggregate over a list of ids
    is read from the covering index facility by facility; over the subquery, PostgreSQL
    chose to scan and hash the whole table (a regency's 14,813 inmates: 4.3 against 1.7 ms,
    bench/README.md)."""
    if user.facility_id and not user.is_regional:
        return [user.facility_id]
    return list(user.facilities().values_list("pk", flat=True))


def roster_header(inmates, *, today, polling=None, versions=None):
    """The roster page's header figures (``custody_counts``) and the blocks of its filter, for
    the scope ``inmates``, kept in the cache under the scope's roster versions, today and the
    polling day: both read every inmate of the scope (a regency's 15,000 for its KPU
    liaison), the versions one aggregate query. Returns (counts, blocks), fresh copies."""

    def compute():
        counts = inmates.custody_counts(today=today, polling=polling)
        # order_by(): with the model's ordering, DISTINCT would return one row per inmate.
        blocks = sorted(b for b in inmates.order_by().values_list("blok", flat=True).distinct()
                        if b)
        return counts, blocks

    counts, blocks = by_roster(
        inmates, "header", compute, versions=versions, parts=(today, polling)
    )
    return dict(counts), list(blocks)


def nik_status_counts(inmates, *, today, versions=None):
    """{NIK status: number of the scope's inmates inside on ``today``} (the home page's NIK
    card), kept like ``roster_header``."""

    def compute():
        return dict(
            inmates.inside_on(today)
            .order_by()
            .values_list("nik_status")
            .annotate(n=Count("pk"))
            .values_list("nik_status", "n")
        )

    return dict(by_roster(inmates, "nik", compute, versions=versions, parts=(today,)))


@receiver(post_save, sender=Inmate, dispatch_uid="eligibility_inmate_saved")
@receiver(post_delete, sender=Inmate, dispatch_uid="eligibility_inmate_deleted")
def _roster_changed(sender, instance, **kwargs):
    cache.set(_generation_key(instance.facility_id), uuid.uuid4().hex, None)
