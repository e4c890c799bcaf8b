"""Synthetic data for the demo (every person is invented), called by the ``demo`` command only.

The steps run in this order, each building on the ones before it: the roster, the staff roster,
then the KPU lists built from its inmates (and two of its officers), Polres Blora's cells with
their KSK TPS and the detainees passed on to the rutan, the first reconciliation run, the
letters' deliveries (which need the lists), and the coordination meeting. Each returns
a short phrase for the command's summary line.
"""


def steps():
    from coordination import demo as meeting
    from voters.demo import letters, lists, police, reconciliation, roster, staff

    return [roster.populate, staff.populate, lists.populate, police.populate,
            reconciliation.populate, letters.populate, meeting.populate]


def populate(*, facility, election, count):
    """Run every step; returns the summary phrases joined for the command's last line."""
    phrases = [step(facility=facility, election=election, count=count) for step in steps()]
    return "".join(f", {p}" for p in phrases if p)
