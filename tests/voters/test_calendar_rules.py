"""The tindakan table of CONTRACT.md (second version), at dates either side of the DPT's fixing
and of the custody pindah-memilih deadline (H-7). Pure rules: no database."""

from datetime import date

import pytest

from voters.rules.calendar import Action, Calendar, Stage
from voters.rules.classify import Category, next_action

POLLING = date(2024, 11, 27)
DPT_FIXED = date(2024, 9, 20)
CAL = Calendar(polling_date=POLLING, dpt_date=DPT_FIXED)


@pytest.mark.parametrize(
    ("today", "stage"),
    [
        (date(2024, 9, 19), Stage.UPDATING),
        (date(2024, 9, 20), Stage.FIXED),
        (date(2024, 11, 20), Stage.FIXED),  # H-7 itself is still open
        (date(2024, 11, 21), Stage.CLOSED),
    ],
)
def test_the_stage_turns_on_the_dpt_date_and_after_h_minus_7(today, stage):
    assert CAL.stage_on(today) is stage


def test_without_a_dpt_date_the_dpt_counts_as_fixed():
    assert Calendar(polling_date=POLLING).stage_on(date(2024, 6, 1)) is Stage.FIXED


@pytest.mark.parametrize(
    ("category", "updating", "fixed", "closed"),
    [
        ("BELUM_TERDAFTAR", Action.USUL_DPT, Action.CARI_DPT, Action.LEWAT_BATAS),
        ("USUL_DPTB", Action.USUL_DPT, Action.USUL_DPTB, Action.LEWAT_BATAS),
        ("PEREKAMAN", Action.REKAM_KTP, Action.REKAM_KTP, Action.REKAM_KTP),
        ("PERLU_PERIKSA", Action.PERIKSA, Action.PERIKSA, Action.PERIKSA),
        ("PETUGAS", Action.NONE, Action.NONE, Action.NONE),
        ("TERDAFTAR", Action.NONE, Action.NONE, Action.NONE),
    ],
)
def test_unlisted_and_registered_rows_follow_the_stage(category, updating, fixed, closed):
    listed = category in ("TERDAFTAR", "PETUGAS")
    actions = [
        next_action(Category(category), listed=listed, stage=CAL.stage_on(day))
        for day in (date(2024, 9, 19), date(2024, 11, 20), date(2024, 11, 21))
    ]
    assert actions == [updating, fixed, closed]


@pytest.mark.parametrize("category", ["KELUAR", "TMS", "LUAR_WILAYAH"])
def test_a_row_that_should_not_be_on_the_lists_is_reported_only_when_it_is(category):
    assert next_action(Category(category), listed=True, stage=Stage.FIXED) is Action.LAPOR_KPU
    assert next_action(Category(category), listed=False, stage=Stage.FIXED) is Action.NONE


@pytest.mark.parametrize("category", ["TIDAK_DIKENAL", "GANDA"])
def test_unknown_and_double_entries_are_always_reported(category):
    assert next_action(Category(category), listed=True, stage=Stage.CLOSED) is Action.LAPOR_KPU


def test_a_registered_detainee_whose_order_ends_by_polling_day_is_to_be_confirmed():
    assert next_action(Category.TERDAFTAR, listed=True, stage=Stage.CLOSED,
                       order_ends_by_polling_day=True) is Action.KONFIRMASI_PENAHANAN


def test_each_action_names_the_deadline_it_races():
    assert CAL.deadline_of(Action.USUL_DPT) == DPT_FIXED
    assert CAL.deadline_of(Action.USUL_DPTB) == date(2024, 11, 20)
    assert CAL.deadline_of(Action.CARI_DPT) == date(2024, 11, 20)
    assert CAL.deadline_of(Action.KONFIRMASI_PENAHANAN) == POLLING
    assert CAL.deadline_of(Action.LAPOR_KPU) is None


# Formulir Model A-Daftar Pemilih's marks (issue 17): the KPU's own, nothing internal.


@pytest.mark.parametrize(("listed", "agrees", "duplicate", "mark"), [
    (True, True, "", "✓"),
    (True, False, "", "U"),
    (False, False, "", "B"),
    (True, True, "2", "TMS 2"),
])
def test_model_a_keterangan_uses_the_kpus_marks(listed, agrees, duplicate, mark):
    from voters.rules.lists import model_a_mark

    assert model_a_mark(listed=listed, data_agrees=agrees, duplicate_code=duplicate) == mark


@pytest.mark.parametrize(("dukcapil", "status"), [
    ("verified", "S"), ("recorded", "S"), ("biometric_match", "S"),
    ("not_found", "B"), ("not_recorded", "B"), ("recording_scheduled", "B"),
    ("format_valid", ""), ("format_invalid", ""), ("sent", ""), ("not_checked", ""),
])
def test_ktp_el_status_comes_from_dukcapils_answer_not_the_niks_format(dukcapil, status):
    from voters.rules.lists import ktp_el_status

    assert ktp_el_status(dukcapil) == status
