"""Overdue follow-ups per institution, for a daily reminder (cron, e-mail to the liaison)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coordination.models import ActionItem
from coordination.selectors import overdue_by_institution
from voters.models import Facility


class Command(BaseCommand):
    help = (
        "Tampilkan tindak lanjut rapat yang terlambat, dikelompokkan per instansi. "
        "Tidak mengubah data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--facility", help="kode UPT (bawaan: semua UPT)")
        parser.add_argument("--date", help="tanggal acuan YYYY-MM-DD (bawaan: hari ini)")

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"Tanggal '{options['date']}' tidak sah (YYYY-MM-DD).") from None
        items = ActionItem.objects.select_related("owner_institution", "meeting__facility")
        if options["facility"]:
            facility = Facility.objects.filter(code=options["facility"]).first()
            if facility is None:
                raise CommandError(f"UPT '{options['facility']}' tidak ditemukan.")
            items = items.filter(meeting__facility=facility)
        groups = overdue_by_institution(items.overdue(today), today)
        total = 0
        for group in groups:
            institution = group["institution"]
            self.stdout.write(f"{institution.name} ({len(group['items'])}):")
            for item in group["items"]:
                late = (today - item.due_date).days
                self.stdout.write(
                    f"  - {item.title} — batas {item.due_date:%d-%m-%Y} (lewat {late} hari), "
                    f"{item.meeting.facility.code}"
                )
            total += len(group["items"])
        self.stdout.write(
            f"{total} tindak lanjut terlambat pada {len(groups)} instansi per {today:%d-%m-%Y}."
        )
