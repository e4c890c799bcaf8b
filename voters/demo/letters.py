"""Demo deliveries of notification letters (synthetic), once the demo's lists exist."""

import random
from datetime import timedelta

from django.utils import timezone

from voters.models import TPS, LetterDelivery, NoticeTemplate, User


def populate(*, facility, election, count):
    """About half of the demo's letters delivered, a few to family, a few undeliverable.

    Runs after the lists' populator (registered later in apps.ready); with no lists it only
    creates the election's letter template."""
    from voters.letters import services as service

    NoticeTemplate.for_election(election)
    tps = TPS.objects.filter(election=election, facility=facility, number="901").first()
    if tps is None or LetterDelivery.objects.filter(tps=tps).exists():
        return ""
    voters = service.recipients(tps)
    if not voters:
        return ""
    officer = User.objects.filter(role=User.Role.KPPS, facility=facility,
                                  tps_number="901").first()
    rng = random.Random(901)
    today = timezone.localdate()
    recorded = 0
    for voter in voters:
        roll = rng.random()
        if roll < 0.45:
            status, extra = "delivered", {}
        elif roll < 0.52:
            status, extra = "delivered_to_proxy", {"proxy_name": "Keluarga (kunjungan)"}
        elif roll < 0.55:
            status, extra = "undeliverable", {"reason": rng.choice(
                ["tidak_di_tempat", "pindah_memilih", "tidak_dikenal"])}
        else:
            continue
        service.record_delivery(
            tps=tps, key=voter.key, status=status, user=officer,
            delivered_on=today - timedelta(days=rng.randint(0, 3)), today=today, among=voters,
            **extra,
        )
        recorded += 1
    return f"{recorded} tanda terima surat dari {len(voters)} penerima"
