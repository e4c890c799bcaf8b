"""One review decision in force per pairing (election, facility, inmate, list entry).

Concurrent decisions could leave two in force; before the constraint, the newest of each
pairing stays in force and the others are marked superseded when the newest was made.
"""

from django.db import migrations, models


def supersede_duplicates(apps, schema_editor):
    ReviewDecision = apps.get_model("voters", "ReviewDecision")
    active = ReviewDecision.objects.filter(superseded_at__isnull=True).order_by(
        "election_id", "facility_id", "inmate_id", "entry_fingerprint", "-decided_at", "-pk"
    )
    newest = {}
    for decision in active.iterator():
        key = (
            decision.election_id,
            decision.facility_id,
            decision.inmate_id,
            decision.entry_fingerprint,
        )
        if key not in newest:
            newest[key] = decision.decided_at
            continue
        ReviewDecision.objects.filter(pk=decision.pk).update(superseded_at=newest[key])


class Migration(migrations.Migration):
    dependencies = [
        ("voters", "0008_reference_nik_number"),
    ]

    operations = [
        migrations.RunPython(supersede_duplicates, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="reviewdecision",
            constraint=models.UniqueConstraint(
                condition=models.Q(("superseded_at__isnull", True)),
                fields=("election", "facility", "inmate", "entry_fingerprint"),
                name="voters_review_one_active_decision",
            ),
        ),
    ]
