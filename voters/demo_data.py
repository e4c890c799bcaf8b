"""Synthetic people for the demo. Each feature adds its data here; every person is invented."""

POPULATORS = []


def register(func):
    POPULATORS.append(func)
    return func


def populate(*, facility, election, count):
    """Run every registered populator; each returns a short phrase for the summary line."""
    phrases = [func(facility=facility, election=election, count=count) for func in POPULATORS]
    return "".join(f", {p}" for p in phrases if p)
