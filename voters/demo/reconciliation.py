"""The demo's first reconciliation run, so that its pages show real categories at once."""

from voters.rules.classify import Category


def populate(*, facility, election, count):
    from voters.reconciliation.services import reconcile

    run = reconcile(election=election, facility=facility, trigger="command")
    review = run.counts.get(Category.PERLU_PERIKSA, 0) + run.counts.get(Category.GANDA, 0)
    return f"rekonsiliasi: {sum(run.counts.values())} baris, {review} perlu diperiksa"
