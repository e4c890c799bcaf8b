"""One pairing of list entries with people (issues 14 and 15): the reconciliation, the letters and
the polling-day register name the same inmate, or the same officer of the staff roster (PETUGAS),
for every entry, on the demo's data."""

from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from voters.letters.services import list_voters, recipients
from voters.models import TPS, Election, Inmate, ReconciliationItem, User
from voters.reconciliation.services import decide, reconcile
from voters.rules.lists import list_rank

pytestmark = pytest.mark.django_db

NOW = "2026-11-02 09:00:00+07:00"


def paired_by_the_run(run):
    return {
        int(entry_id): item.inmate_id
        for item in run.items.exclude(inmate=None)
        for entry_id in item.entry_ids
    }


def officers_by_the_run(run):
    """{entry id: the run's PETUGAS row} (its alasan names the officer)."""
    return {
        int(entry_id): item
        for item in run.items.filter(category="PETUGAS")
        for entry_id in item.entry_ids
    }


def assert_all_three_agree(election, tps):
    run = reconcile(election=election, facility=tps.facility)
    by_run = paired_by_the_run(run)
    officers = officers_by_the_run(run)
    register = list_voters(tps)
    on_this_tps = {v.entry.pk for v in register}
    assert {v.entry.pk: v.inmate.pk for v in register if v.inmate} == {
        entry: inmate for entry, inmate in by_run.items() if entry in on_this_tps
    }
    assert {v.entry.pk for v in register if v.staff} == set(officers) & on_this_tps
    for voter in register:
        if voter.staff:
            assert f"petugas UPT ({voter.staff.nama}" in officers[voter.entry.pk].alasan
    inside = {i.pk for i in Inmate.objects.all() if i.is_expected_inside_on(election.polling_date)}
    expected, seen = [], set()
    for voter in sorted(register, key=lambda v: (list_rank(v.list_kind), v.number)):
        inmate = by_run.get(voter.entry.pk)
        if voter.entry.pk in officers:  # one PETUGAS row per officer, whatever their entries
            person = ("officer", officers[voter.entry.pk].pk)
        elif inmate in inside:
            person = ("inmate", inmate)
        else:
            continue
        if person not in seen:
            seen.add(person)
            expected.append(voter.entry.pk)
    assert [v.entry.pk for v in recipients(tps)] == expected
    assert [v.inmate.pk for v in recipients(tps) if v.inmate] == [
        by_run[entry] for entry in expected if entry in by_run]
    return run


def test_the_reconciliation_the_letters_and_the_register_pair_the_same_people():
    with time_machine.travel(NOW, tick=False):
        call_command("demo", stdout=StringIO())
        election = Election.objects.get(code="PILKADA-DEMO")
        tps = TPS.objects.get(election=election, number="901")
        run = assert_all_three_agree(election, tps)
        # The demo's lists hold every layer of the matcher: full NIK, masked NIK, and probable
        # pairs (same birth date, similar name, no usable NIK) that a person must review.
        layers = set(run.items.values_list("match_layer", flat=True))
        assert {"nik", "masked_nik", "probable"} <= layers
        # ... and two officers of its staff roster, who get their letters.
        assert run.items.filter(category="PETUGAS").count() == 2
        assert len([v for v in recipients(tps) if v.staff]) == 2

        # A reviewer's verdicts count for the letters and the register as for the next run.
        operator = User.objects.get(username="operator")
        doubtful = list(ReconciliationItem.objects.filter(
            run=run, match_layer="probable").exclude(inmate=None).order_by("position")[:2])
        assert len(doubtful) == 2
        decide(item=doubtful[0], verdict="accept", user=operator)
        decide(item=doubtful[1], verdict="reject", user=operator)
        rejected_entry = int(doubtful[1].entry_ids[0])
        run = assert_all_three_agree(election, tps)
        assert paired_by_the_run(run).get(rejected_entry) != doubtful[1].inmate_id
        assert run.items.filter(inmate=doubtful[0].inmate, match_layer="decision").exists()
