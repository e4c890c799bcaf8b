"""Demo data: the voting and counting coordination meeting of seed article 001.

Dated relative to the demo's polling day so that some follow-ups are done, one is overdue and
the rest are still ahead. People named in the article keep their names (public officials
quoted by the press); everything else is invented.
"""

from datetime import time, timedelta

from django.utils import timezone

from coordination import services
from coordination.models import ActionItem, Attendee, Contact, Institution, Meeting
from voters.models import User

TITLE = "Rapat Koordinasi Pemungutan dan Penghitungan Suara"


def _institution(facility, short_name):
    return Institution.objects.get(facility=facility, short_name=short_name)


def populate(*, facility, election, count):
    if Meeting.objects.filter(facility=facility, election=election, title=TITLE).exists():
        return "rapat koordinasi contoh sudah ada"
    services.ensure_institutions(facility)
    user = User.objects.filter(username="operator").first()
    today = timezone.localdate()
    kpu = _institution(facility, "KPU")
    rutan = Institution.objects.filter(facility=facility, kind=Institution.Kind.CORRECTIONS).first()
    dukcapil = _institution(facility, "Disdukcapil")
    kpps = _institution(facility, "KPPS")
    kpu_contact, _created = Contact.objects.get_or_create(
        facility=facility,
        institution=kpu,
        name="Dwi Astuti",
        defaults={"position": "Kasubbag Perencanaan, Data dan Informasi", "phone": "0296-000000"},
    )
    meeting = Meeting(
        facility=facility,
        election=election,
        title=TITLE,
        stage=Meeting.Stage.VOTING,
        date=today - timedelta(days=2),
        start_time=time(9, 0),
        end_time=time(12, 0),
        venue="Aula Dinas Pendidikan Kabupaten",
        organiser=kpu,
        chair_name="Ketua KPU Kabupaten",
        chair_title="Ketua KPU Kabupaten",
        minute_taker="Tri Murcahyono",
        invitation_reference="(contoh) 000/PP.04-Und/3316/2024",
        agenda=(
            "1. Pembukaan\n2. Pemaparan teknis pemungutan dan penghitungan suara, termasuk TPS "
            "Khusus\n3. Pemaparan data pemilih TPS Khusus oleh Kepala Rutan\n4. Diskusi\n"
            "5. Rencana tindak lanjut"
        ),
        minutes=(
            "Ketua KPU memimpin rapat dan menyampaikan pentingnya koordinasi semua pihak. "
            "Komisioner KPU memaparkan teknis pemungutan dan penghitungan suara, termasuk TPS "
            "Khusus di Rutan.\n\n"
            "Kepala Rutan, Budi Hardiono, memaparkan data pemilih yang terdaftar di TPS Khusus "
            "dan menyampaikan bahwa KPPS telah menyampaikan surat pemberitahuan kepada seluruh "
            "warga binaan yang terdaftar. Rutan menegaskan kesiapan pengamanan dan logistik.\n\n"
            "Diskusi berlangsung dinamis; rapat ditutup dengan rencana tindak lanjut dari KPU."
        ),
    )
    services.create_meeting(
        meeting=meeting,
        user=user,
        attending=Institution.objects.filter(
            facility=facility,
            short_name__in=[
                "Bawaslu",
                "Disdukcapil",
                "Kesbangpol",
                "Diskominfo",
                "Satpol PP",
                "BPBD",
                "Polres",
            ],
        ),
    )
    for name, institution, position, role in [
        ("Ketua KPU Kabupaten", kpu, "Ketua", Attendee.Role.CHAIR),
        ("Budi Hardiono", rutan, "Kepala Rutan", Attendee.Role.PRESENTER),
        ("Tri Murcahyono", rutan, "Kasubsi Pelayanan Tahanan", Attendee.Role.MINUTE_TAKER),
        ("", rutan, "Staf Pelayanan Tahanan", Attendee.Role.PARTICIPANT),
    ]:
        Attendee.objects.create(
            meeting=meeting, name=name, institution=institution, position=position, role=role
        )
    Attendee.objects.create(
        meeting=meeting,
        contact=kpu_contact,
        name=kpu_contact.name,
        institution=kpu,
        position=kpu_contact.position,
    )
    decisions = [
        services.add_decision(meeting=meeting, text=text, user=user)
        for text in [
            "Pemungutan suara di TPS Khusus Rutan dilaksanakan sesuai jadwal dengan pengamanan "
            "oleh Rutan bersama Polres.",
            "WBP baru masuk yang sudah terdaftar di DPT tempat lain diajukan pindah memilih "
            "(DPTb) paling lambat H-7.",
            "WBP tanpa NIK direkam KTP-el oleh Disdukcapil sebelum hari pemungutan.",
            "KPPS memastikan seluruh surat pemberitahuan diterima WBP terdaftar paling lambat H-3.",
        ]
    ]
    deadlines = {code: day for code, _label, day in election.deadlines()}
    plans = [
        (
            decisions[1],
            "Serahkan data WBP baru masuk ke KPU untuk pindah memilih",
            rutan,
            "Tri Murcahyono",
            today - timedelta(days=1),
            ActionItem.Status.OPEN,
            "",
        ),
        (
            decisions[2],
            "Jadwalkan perekaman KTP-el di Rutan",
            dukcapil,
            "",
            deadlines.get(f"H-{election.dptb_special_days}"),
            ActionItem.Status.IN_PROGRESS,
            "",
        ),
        (
            decisions[3],
            "Sampaikan surat pemberitahuan kepada seluruh WBP terdaftar",
            kpps,
            "Ketua KPPS TPS 901",
            deadlines.get(f"H-{election.letter_days}"),
            ActionItem.Status.OPEN,
            "",
        ),
        (
            decisions[0],
            "Kirim daftar petugas pengamanan TPS Khusus",
            rutan,
            "",
            today - timedelta(days=1),
            ActionItem.Status.DONE,
            "Daftar dikirim ke KPU.",
        ),
    ]
    for decision, title, owner, owner_name, due, status, outcome in plans:
        item = services.create_action_item(
            item=ActionItem(
                meeting=meeting,
                decision=decision,
                title=title,
                owner_institution=owner,
                owner_name=owner_name,
                due_date=due or today,
            ),
            user=user,
        )
        if status != ActionItem.Status.OPEN:
            services.set_action_status(item=item, status=status, outcome=outcome, user=user)
    return "1 rapat koordinasi dengan 4 keputusan dan 4 tindak lanjut"
