"""The electoral calendar: the stage of the lists on a day, the tindakan codes and the deadline
each one races (CONTRACT.md "Reconciliation", the ``tindakan`` table; DOMAIN.md §3.2, §3.2a).
Which tindakan a row gets is ``classify.next_action``. Pure: no Django.

The stage of the lists decides what can still be done for an eligible inmate who is not on the
facility's TPS lists:

- before the KPU fixes the DPT (``dpt_date``), the facility proposes them for its TPS's DPT;
- from then on, up to and including the pindah-memilih deadline of people in custody (H-7), one
  who is on some DPT moves by pindah memilih (DPTb), and the KPU looks one on no list up first;
- after that deadline this TPS can no longer take them.

Without a ``dpt_date`` the DPT counts as fixed (CONTRACT.md ``add_election --dpt-date``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Stage(StrEnum):
    UPDATING = "pemutakhiran"  # coklit, DPS: before the DPT is fixed
    FIXED = "dpt_ditetapkan"  # the DPT is fixed; pindah memilih still open for custody
    CLOSED = "lewat_batas"  # past the custody pindah-memilih deadline


class Action(StrEnum):
    """The ``tindakan`` codes of CONTRACT.md; NONE is written as a blank cell."""

    NONE = ""
    LAPOR_KPU = "LAPOR_KPU"
    PERIKSA = "PERIKSA"
    REKAM_KTP = "REKAM_KTP"
    USUL_DPT = "USUL_DPT"
    USUL_DPTB = "USUL_DPTB"
    CARI_DPT = "CARI_DPT"
    LEWAT_BATAS = "LEWAT_BATAS"
    KONFIRMASI_PENAHANAN = "KONFIRMASI_PENAHANAN"


@dataclass(frozen=True)
class Calendar:
    """The dates of one election that the actions are judged against."""

    polling_date: date
    dpt_date: date | None = None
    # The last day a person in custody can still be moved here by pindah memilih: H-7 unless
    # the election says otherwise (Election.dptb_special_days, DOMAIN.md §3.2).
    deadline: date | None = None

    @property
    def custody_deadline(self) -> date:
        return self.deadline or self.polling_date - timedelta(days=7)

    def stage_on(self, today: date) -> Stage:
        if self.dpt_date is not None and today < self.dpt_date:
            return Stage.UPDATING
        if today <= self.custody_deadline:
            return Stage.FIXED
        return Stage.CLOSED

    def deadline_of(self, action: Action) -> date | None:
        """The date an action races, for "what to do this week": a DPT proposal must reach the
        KPU before the DPT is fixed; a pindah memilih or a look-up before the custody deadline;
        a detention order to confirm, by polling day."""
        if action is Action.USUL_DPT:
            return self.dpt_date
        if action in (Action.USUL_DPTB, Action.CARI_DPT):
            return self.custody_deadline
        if action is Action.KONFIRMASI_PENAHANAN:
            return self.polling_date
        return None
