"""Each reconciliation item keeps what the exports print about its inmate (issue 14: one run's
exports come from one snapshot; the loksus and pindah-memilih exports read today's roster).

Items of earlier runs get their inmate's data as it is now, which is what their exports printed
until this migration; from here on those exports no longer change with the roster.
"""

from django.db import migrations, models

# As voters.reconciliation.exports.INMATE_SNAPSHOT_FIELDS when this migration was written.
FIELDS = ("no_kk", "tempat_lahir", "status_perkawinan", "alamat", "kode_wilayah", "nik_format",
          "register")
BATCH = 2000


def fill_from_the_roster(apps, schema_editor):
    Inmate = apps.get_model("voters", "Inmate")
    Item = apps.get_model("voters", "ReconciliationItem")
    items = Item.objects.filter(inmate__isnull=False).only("pk", "inmate_id").order_by("pk")
    known = {}

    def write(batch):
        missing = {item.inmate_id for item in batch} - known.keys()
        for row in Inmate.objects.filter(pk__in=missing).values("pk", *FIELDS):
            pk = row.pop("pk")
            known[pk] = {k: v or "" for k, v in row.items()}
        for item in batch:
            item.inmate_snapshot = known.get(item.inmate_id, {})
        Item.objects.bulk_update(batch, ["inmate_snapshot"])

    batch = []
    for item in items.iterator(chunk_size=BATCH):
        batch.append(item)
        if len(batch) >= BATCH:
            write(batch)
            batch = []
    if batch:
        write(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("voters", "0010_contract2_setup_and_staff"),
    ]

    operations = [
        migrations.AddField(
            model_name="reconciliationitem",
            name="inmate_snapshot",
            field=models.JSONField(blank=True, default=dict,
                                   verbose_name="data WBP saat rekonsiliasi"),
        ),
        migrations.RunPython(fill_from_the_roster, migrations.RunPython.noop, elidable=True),
    ]
