"""The demo's first reconciliation run, so that its pages show real categories at once."""

from . import demo_data


@demo_data.register
def populate(*, facility, election, count):
    from .services.reconciliation import reconcile

    run = reconcile(election=election, facility=facility, trigger="command")
    review = run.counts.get("PERLU_PERIKSA", 0) + run.counts.get("GANDA", 0)
    return f"rekonsiliasi: {sum(run.counts.values())} baris, {review} perlu diperiksa"
