"""The delivery register's counts for the home page, without building the register per request.

The home page (dashboard cards and the letters panel) shows, per TPS, how many letters there
are, how many were delivered, not yet delivered or undeliverable, and the days to the letter
deadline. Those counts come from ``services.letters.delivery_register``, which matches every
entry of the TPS's lists to the inmates expected inside on polling day: with 5,000 inmates and
3,000 list entries that is most of a second of CPU (bench/README.md "Pages under load"). So the
counts are kept in Django's cache under a key that names everything they are computed from, read
in four aggregate queries per TPS (three of them plain SQL, ``_fingerprints``):

- the TPS, the day, the election's polling day and letter deadline;
- the TPS's list entries (number and highest id: an import replaces a list's entries, retention
  deletes them);
- the facility's roster fingerprint and generation (``eligibility.roster_versions``: imports,
  custody and NIK changes, new and removed inmates);
- the facility's staff roster (number and highest id: an import replaces it whole, so every
  change gives new ids), whose officers on the lists get letters too;
- the TPS's deliveries (number per status, highest id and latest ``recorded_at``: every mark
  and every correction sets ``recorded_at`` and may change a status; an undo deletes the row).

A change to any of them is a new key, so the counts are never stale; an unchanged TPS costs the
four queries and one cache read. The delivery register page itself still builds the register.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from voters.inmates.eligibility import request_versions, roster_versions
from voters.letters.services import DeadlineCountdown
from voters.models import Inmate, LetterDelivery, ListEntry, StaffMember, VoterList

TTL = 3600
PREFIX = "letter-counts:v1"


@dataclass
class RegisterSummary(DeadlineCountdown):
    deadline: object
    today: object
    counts: dict


def _key(tps, today, roster=None):
    election = tps.election
    entries, deliveries, staff = _fingerprints(tps)
    if roster is None:
        roster = roster_versions(Inmate.objects.filter(facility_id=tps.facility_id))
    rows = hashlib.sha256(f"e{entries}:d{deliveries}:s{staff}".encode()).hexdigest()[:40]
    return (
        f"{PREFIX}:{tps.pk}:{today}:{election.polling_date}:{election.letter_deadline}:"
        f"{rows}:r{roster.get(tps.facility_id, '')}"
    )


def _fingerprints(tps):
    """The list entries', deliveries' and staff's parts of the key, in three statements of
    plain SQL on one cursor. They are fingerprints of rows, not rules: written with the ORM,
    compiling the three aggregates took about 2 ms of CPU on every home page, ten times the
    statements' own cost (issue 19 item 7; tests/test_dashboard.py checks every change)."""
    q = connection.ops.quote_name

    def table(model):
        return q(model._meta.db_table)

    def column(model, name):
        return q(model._meta.get_field(name).column)

    entry_list = column(ListEntry, "voter_list")
    list_pk, list_tps = column(VoterList, "id"), column(VoterList, "tps")
    list_election = column(VoterList, "election")
    delivery_status = column(LetterDelivery, "status")
    delivery_at = column(LetterDelivery, "recorded_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(e.{q('id')}), MAX(e.{q('id')}) FROM {table(ListEntry)} e "  # noqa: S608 - names from the models' meta
            f"INNER JOIN {table(VoterList)} v ON e.{entry_list} = v.{list_pk} "
            f"WHERE v.{list_tps} = %s AND v.{list_election} = %s",
            [tps.pk, tps.election_id])
        entries = ".".join(map(str, cursor.fetchone()))
        cursor.execute(
            f"SELECT {delivery_status}, COUNT({q('id')}), MAX({q('id')}), MAX({delivery_at}) "  # noqa: S608 - names from the models' meta
            f"FROM {table(LetterDelivery)} WHERE {column(LetterDelivery, 'tps')} = %s "
            f"GROUP BY {delivery_status} ORDER BY {delivery_status}",
            [tps.pk])
        deliveries = ";".join(".".join(map(str, row)) for row in cursor.fetchall())
        cursor.execute(
            f"SELECT COUNT({q('id')}), MAX({q('id')}) FROM {table(StaffMember)} "  # noqa: S608 - names from the models' meta
            f"WHERE {column(StaffMember, 'facility')} = %s",
            [tps.facility_id])
        staff = ".".join(map(str, cursor.fetchone()))
    return entries, deliveries, staff


def register_summary(request, tps, *, today=None):
    """Counts, deadline and days left of the TPS's delivery register (``delivery_register``),
    computed once per change of its inputs and kept per request too (the dashboard's cards and
    the letters panel read the same TPS)."""
    from voters.letters.services import delivery_register

    today = today or timezone.localdate()
    memo = request.__dict__.setdefault("_register_summaries", {})
    if (tps.pk, today) in memo:
        return memo[tps.pk, today]
    # The TPS's facility is in the user's scope, whose roster versions are read once per request.
    scope = request_versions(request)
    key = _key(tps, today, scope if tps.facility_id in scope else None)
    counts = cache.get(key)
    if counts is None:
        counts = delivery_register(tps, today=today).counts
        cache.set(key, counts, TTL)
    memo[tps.pk, today] = summary = RegisterSummary(
        deadline=tps.election.letter_deadline, today=today, counts=counts
    )
    return summary
