"""The demo's first reconciliation run, so that its pages show real categories at once."""



def populate(*, facility, election, count):
    from voters.reconciliation.services import reconcile

    run = reconcile(election=election, facility=facility, trigger="command")
    review = run.counts.get("PERLU_PERIKSA", 0) + run.counts.get("GANDA", 0)
    return f"rekonsiliasi: {sum(run.counts.values())} baris, {review} perlu diperiksa"
