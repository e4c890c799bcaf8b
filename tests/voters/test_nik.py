import csv
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voters.rules import wilayah
from voters.rules.nik import (
    Issue,
    NikCheck,
    NikFormat,
    ParsedNik,
    check,
    clean,
    is_masked,
    mask,
    masked_matches,
    parse,
    visible_digits,
)

# Blora, Jati; born 25 June 1961; serial 4204.
MAN = "3316012506614204"
WOMAN = "3316016506614204"  # same, day 25 + 40
TODAY = date(2026, 1, 1)


def codes(result: NikCheck) -> list[str]:
    return [issue.code for issue in result.errors]


def warning_codes(result: NikCheck) -> list[str]:
    return [issue.code for issue in result.warnings]


# clean()


@pytest.mark.parametrize(
    "raw",
    [
        MAN,
        f"'{MAN}",
        f"''{MAN}",
        f"\u2018{MAN}",
        f"\u2019{MAN}",
        f"`{MAN}",
        f'"{MAN}"',
        f"  {MAN}  ",
        "3316 0125 0661 4204",
        "3316\u00a00125\u00a006614204",
        "3316.0125.0661.4204",
        "3316-0125-0661-4204",
        "33.16.01-250661 4204",
        "' 3316 01 250661 4204",
    ],
)
def test_it_strips_apostrophes_spaces_dots_and_dashes(raw):
    assert clean(raw) == MAN


def test_it_keeps_stars_and_other_characters():
    assert clean("331601**********") == "331601**********"
    assert clean("3316O12506614204") == "3316O12506614204"


def test_it_cleans_blank_values_to_empty_text():
    assert clean(None) == ""
    assert clean("") == ""
    assert clean(" \u00a0 ") == ""
    assert clean("-") == ""
    assert clean("'") == ""
    assert clean(float("nan")) == ""
    assert clean(Decimal("NaN")) == ""


def test_it_writes_number_cells_out_in_full():
    assert clean(3316012506614204) == MAN
    assert clean(3.316012506614204e15) == MAN
    assert clean(Decimal("3316012506614204")) == MAN
    assert clean(3316.5) == "33165"
    assert clean(Decimal("3316.5")) == "33165"
    assert clean(float("inf")) == "inf"
    assert clean(complex(3316, 1)) == "(3316+1j)"
    assert codes(check(complex(3316, 1))) == ["numeric_cell", "not_16_digits"]


# check(): hard errors


def test_it_accepts_a_valid_nik():
    result = check(MAN, birth_date=date(1961, 6, 25), sex="L")
    assert result.status is NikFormat.VALID
    assert result.is_valid
    assert result.text == MAN
    assert result.errors == ()
    assert result.warnings == ()
    assert result.parsed == ParsedNik("33", "33.16", "33.16.01", 25, 6, 61, "L", "4204")


def test_it_stores_the_cleaned_text_of_a_valid_nik():
    result = check("'3316 0125.0661-4204")
    assert result.is_valid
    assert result.text == MAN


@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0", "'", "-", float("nan")])
def test_it_marks_blank_values_as_blank(raw):
    result = check(raw)
    assert result.status is NikFormat.BLANK
    assert result.text == ""
    assert codes(result) == ["blank"]
    assert result.errors[0].message == "NIK kosong"
    assert not result.is_valid
    assert result.parsed is None


def test_it_names_the_kk_number_in_messages():
    assert check("", kind="kk").errors == (Issue("blank", "Nomor KK kosong"),)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (3316012506614204, MAN),
        (3.316012506614204e15, MAN),
        (Decimal("3316012506614204"), MAN),
    ],
)
def test_it_refuses_a_nik_stored_as_a_number_cell_but_keeps_its_digits(raw, text):
    result = check(raw)
    assert result.status is NikFormat.INVALID
    assert result.text == text
    assert codes(result) == ["numeric_cell"]
    assert "Excel" in result.errors[0].message
    assert result.parsed is None


def test_it_also_reports_the_length_of_a_short_number_cell():
    result = check(331601250661420)
    assert result.text == "331601250661420"
    assert codes(result) == ["numeric_cell", "not_16_digits"]
    assert check(0).text == "0"
    assert codes(check(0)) == ["numeric_cell", "not_16_digits"]


@pytest.mark.parametrize(
    "raw", ["3.3160E+15", "3,3160E+15", "3.316012506614204e+15", "'3.3160E+15", " 3E15 "]
)
def test_it_refuses_scientific_notation_text(raw):
    result = check(raw)
    assert result.status is NikFormat.INVALID
    assert codes(result) == ["scientific_notation"]
    assert "E" in result.text.upper()


def test_it_keeps_scientific_notation_recognisable():
    assert check("3.3160E+15").text == "3.3160E+15"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("331601250661420", "NIK harus 16 digit (terbaca 15 digit)"),
        ("0", "NIK harus 16 digit (terbaca 1 digit)"),
        ("33160125066142041", "NIK harus 16 digit (terbaca 17 digit)"),
        ("3316O12506614204", "NIK harus 16 digit (terbaca 15 digit dan 1 karakter bukan angka)"),
        ("NIK TIDAK ADA", "NIK harus 16 digit (terbaca 0 digit dan 11 karakter bukan angka)"),
    ],
)
def test_it_refuses_anything_but_16_digits(raw, message):
    result = check(raw)
    assert result.status is NikFormat.INVALID
    assert result.errors == (Issue("not_16_digits", message),)
    assert result.text == clean(raw)


def test_it_refuses_non_ascii_digits():
    result = check("\uff13" * 16)
    assert codes(result) == ["not_16_digits"]


@pytest.mark.parametrize("month", ["00", "13", "99"])
def test_it_refuses_a_month_outside_1_to_12(month):
    result = check(f"33160125{month}614204")
    assert result.status is NikFormat.INVALID
    assert codes(result) == ["bad_month"]


@pytest.mark.parametrize("day", ["00", "32", "40", "72", "99"])
def test_it_refuses_a_day_outside_both_ranges(day):
    result = check(f"331601{day}06614204")
    assert result.status is NikFormat.INVALID
    assert codes(result) == ["bad_day"]
    assert "41–71" in result.errors[0].message


def test_it_reports_a_bad_day_and_a_bad_month_together():
    assert codes(check("3316019913614204")) == ["bad_day", "bad_month"]


def test_it_adds_40_to_the_day_for_women():
    result = check(WOMAN, birth_date=date(1961, 6, 25), sex="P")
    assert result.is_valid
    assert result.warnings == ()
    assert result.parsed.day == 25
    assert result.parsed.sex == "P"


@pytest.mark.parametrize(("dd", "day", "sex"), [("01", 1, "L"), ("31", 31, "L"), ("41", 1, "P")])
def test_it_reads_the_edges_of_both_day_ranges(dd, day, sex):
    parsed = check(f"331601{dd}01614204").parsed
    assert (parsed.day, parsed.sex) == (day, sex)


def test_it_accepts_day_71_for_a_woman_born_on_the_31st():
    assert check("3316017101614204").parsed.day == 31


@pytest.mark.parametrize("nik", ["3316013002614204", "3316013104614204", "3316017002614204"])
def test_it_refuses_dates_that_do_not_exist(nik):
    result = check(nik)
    assert result.status is NikFormat.INVALID
    assert codes(result) == ["impossible_date"]


def test_it_refuses_29_february_when_neither_century_is_a_leap_year():
    result = check("3316012902014204")
    assert codes(result) == ["impossible_date"]
    assert "29 Februari" in result.errors[0].message


def test_it_accepts_29_february_when_one_century_is_a_leap_year():
    result = check("3316012902004204")  # 1900 is not a leap year, 2000 is
    assert result.is_valid
    assert result.parsed.birth_date_candidates() == [date(2000, 2, 29)]
    assert check("3316016902044204").parsed.birth_date_candidates() == [
        date(1904, 2, 29),
        date(2004, 2, 29),
    ]


def test_it_gives_both_centuries_as_birth_date_candidates():
    assert check(MAN).parsed.birth_date_candidates() == [date(1961, 6, 25), date(2061, 6, 25)]


# check(): KK numbers


def test_it_reads_a_kk_number_without_the_40_rule():
    result = check("3316011506100003", kind="kk")
    assert result.is_valid
    assert result.parsed.sex is None
    assert result.parsed.day == 15


def test_it_refuses_day_41_in_a_kk_number():
    result = check("3316014106100003", kind="kk")
    assert codes(result) == ["bad_day"]
    assert "Nomor KK" in result.errors[0].message
    assert "41–71" not in result.errors[0].message


def test_it_ignores_birth_date_and_sex_for_a_kk_number():
    result = check("3316011506100003", kind="kk", birth_date=date(1961, 6, 25), sex="P")
    assert result.warnings == ()


def test_it_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        check(MAN, kind="ktp")
    with pytest.raises(ValueError, match="kind"):
        parse(MAN, kind="ktp")


# check(): warnings


def test_it_warns_but_accepts_a_region_renumbered_since_issue():
    # Merauke was 91.01 until 2022 (Papua Selatan, 93.01, since 2023).
    result = check("9101012506614204")
    assert result.status is NikFormat.VALID
    assert warning_codes(result) == ["region_not_current"]
    assert "91.01" in result.warnings[0].message
    assert "2022" in result.warnings[0].message


def test_it_warns_about_a_region_in_no_code_set():
    result = check("9471012506614204")
    assert result.status is NikFormat.VALID
    assert warning_codes(result) == ["region_unknown"]
    assert "94.71" in result.warnings[0].message


def test_it_warns_about_an_unknown_kecamatan():
    result = check("3316992506614204")
    assert result.is_valid
    assert warning_codes(result) == ["district_unknown"]
    assert "33.16.99" in result.warnings[0].message


def test_it_flags_serial_0000_without_rejecting_it():
    result = check("3316012506610000")
    assert result.is_valid
    assert warning_codes(result) == ["serial_zero"]


@pytest.mark.parametrize(
    ("born", "differ"),
    [
        (date(1961, 6, 24), "tanggal berbeda"),
        (date(1961, 7, 25), "bulan berbeda"),
        (date(1962, 6, 25), "tahun berbeda"),
        (date(1962, 7, 24), "tanggal, bulan, tahun berbeda"),
    ],
)
def test_it_warns_when_the_birth_date_disagrees(born, differ):
    result = check(MAN, birth_date=born)
    assert result.is_valid
    assert warning_codes(result) == ["birth_date_mismatch"]
    assert differ in result.warnings[0].message


def test_it_compares_only_the_two_year_digits_with_the_birth_date():
    assert check(MAN, birth_date=date(2061, 6, 25)).warnings == ()


@pytest.mark.parametrize(("nik", "sex"), [(MAN, "P"), (MAN, "Perempuan"), (WOMAN, "Laki-laki")])
def test_it_warns_when_the_sex_disagrees(nik, sex):
    result = check(nik, sex=sex)
    assert result.is_valid
    assert warning_codes(result) == ["sex_mismatch"]


@pytest.mark.parametrize("sex", ["L", "l", " Laki-laki ", "LAKI LAKI", "Pria", "LK"])
def test_it_understands_the_words_for_men(sex):
    assert check(MAN, sex=sex).warnings == ()
    assert warning_codes(check(WOMAN, sex=sex)) == ["sex_mismatch"]


@pytest.mark.parametrize("sex", ["", "X", "?", None])
def test_it_ignores_a_sex_it_cannot_read(sex):
    assert check(WOMAN, sex=sex).warnings == ()


def test_it_warns_about_a_birth_date_in_the_future():
    # 29 Feb 00 exists only in 2000; on a 1990 "today" it has not happened yet.
    result = check("3316012902004204", today=date(1990, 1, 1))
    assert result.is_valid
    assert warning_codes(result) == ["future_birth"]
    assert check("3316012902004204", today=date(2000, 3, 1)).warnings == ()


def test_it_warns_about_a_kk_date_in_the_future():
    result = check("3316012902000003", kind="kk", today=date(1990, 1, 1))
    assert warning_codes(result) == ["future_date"]


def test_it_keeps_warnings_when_a_date_is_wrong():
    result = check("9471013002614204")
    assert codes(result) == ["impossible_date"]
    assert warning_codes(result) == ["region_unknown"]


def test_it_collects_several_warnings_at_once():
    result = check("9101016506610000", birth_date=date(1970, 1, 1), sex="L")
    assert result.is_valid
    assert warning_codes(result) == [
        "region_not_current",
        "birth_date_mismatch",
        "sex_mismatch",
        "serial_zero",
    ]


# check(): masked values


def test_it_accepts_a_kpu_masked_nik_as_masked():
    result = check("331601**********")
    assert result.status is NikFormat.MASKED
    assert result.text == "331601**********"
    assert result.errors == ()
    assert result.warnings == ()
    assert result.parsed is None
    assert not result.is_valid


def test_it_cleans_a_masked_nik_like_any_other():
    assert check("'3316.01**-********").text == "331601**********"


@pytest.mark.parametrize("raw", ["331601*****", "331601***********", "3316O1**********"])
def test_it_refuses_a_masked_nik_of_the_wrong_shape(raw):
    result = check(raw)
    assert result.status is NikFormat.INVALID
    assert codes(result) == ["not_16_digits"]


def test_it_checks_the_visible_positions_of_a_masked_nik():
    assert codes(check("3316012513******")) == ["bad_month"]
    assert codes(check("331601**13******")) == ["bad_month"]
    assert codes(check("331601300261****")) == ["impossible_date"]
    assert warning_codes(check("910101**********")) == ["region_not_current"]
    assert warning_codes(check("331699**********")) == ["district_unknown"]
    assert warning_codes(check("331601250661****", birth_date=date(1970, 6, 25))) == [
        "birth_date_mismatch"
    ]
    assert warning_codes(check("33160165********", sex="L")) == ["sex_mismatch"]
    assert warning_codes(check("************0000")) == ["serial_zero"]


def test_it_skips_region_checks_when_the_region_is_hidden():
    assert check("****************").status is NikFormat.MASKED
    assert check("99**************").warnings == ()
    assert check("94**012506614204").warnings == ()
    assert warning_codes(check("3316**2506614204")) == []


@pytest.mark.parametrize("masked", ["331601**********", "331601250661****", "3316012506614204"])
def test_it_matches_a_masked_nik_on_its_visible_digits(masked):
    assert masked_matches(masked, MAN)


@pytest.mark.parametrize(
    ("masked", "full"),
    [
        ("331602**********", MAN),
        ("331601*********", MAN),
        ("331601**********", "331601250661420"),
        ("331601**********", "331601**********"),
        ("331601********X*", MAN),
        ("", MAN),
        ("331601**********", ""),
    ],
)
def test_it_does_not_match_a_masked_nik_that_disagrees(masked, full):
    assert not masked_matches(masked, full)


def test_it_tells_masked_values_apart():
    assert is_masked("331601**********")
    assert is_masked(" 331601********** ")
    assert not is_masked(MAN)
    assert not is_masked("331601*****")
    assert not is_masked("")
    assert not is_masked(None)


def test_it_gives_the_visible_digits_before_the_stars():
    assert visible_digits("331601**********") == "331601"
    assert visible_digits("'331601**********") == "331601"
    assert visible_digits(MAN) == MAN
    assert visible_digits("****************") == ""
    assert visible_digits("") == ""
    assert visible_digits(None) == ""


# mask()


def test_it_masks_all_but_the_first_six_digits():
    assert mask(MAN) == "331601**********"
    assert mask("3316 0125 0661 4204") == "331601**********"
    assert mask(MAN, visible=4) == "3316************"
    assert mask(MAN, visible=0) == "*" * 16
    assert mask(MAN, visible=-3) == "*" * 16


def test_it_masks_blank_as_blank():
    assert mask("") == ""
    assert mask(None) == ""


def test_it_returns_a_masked_nik_as_it_is():
    assert mask("331601**********") == "331601**********"
    assert mask("3316************") == "3316************"


def test_it_never_reveals_more_digits_of_a_masked_nik_than_asked():
    assert mask("331601250661****") == "331601**********"


def test_it_masks_text_of_any_length_character_by_character():
    assert mask("331601250661420") == "331601*********"
    assert mask("3316") == "3316"
    assert mask("33160125066142041") == "331601***********"


# parse()


def test_it_parses_the_parts_of_a_nik():
    assert parse(MAN) == ParsedNik("33", "33.16", "33.16.01", 25, 6, 61, "L", "4204")
    assert parse(WOMAN).sex == "P"
    assert parse("3316011506100003", kind="kk").sex is None


@pytest.mark.parametrize(
    "raw",
    ["", "331601**********", "331601250661420", "3316013002614204", "3316014113614204"],
)
def test_it_parses_nothing_from_a_bad_or_masked_value(raw):
    assert parse(raw) is None


def test_it_parses_day_41_only_for_a_nik():
    assert parse("3316014106100003", kind="kk") is None
    assert parse("3316014106100003").day == 1


# Messages


@pytest.mark.parametrize(
    "raw",
    [
        MAN,
        "9101016506610000",
        "9471013002614204",
        "3316019913614204",
        "33160125066142041",
        3316012506614204,
        "331601250661****",
    ],
)
def test_it_never_puts_the_full_number_in_a_message(raw):
    result = check(raw, birth_date=date(1970, 1, 1), sex="P")
    digits = clean(raw)
    for issue in result.errors + result.warnings:
        assert digits not in issue.message
        assert not re.search(r"\d{16}", issue.message)


def test_it_formats_the_status_as_its_value():
    assert f"{NikFormat.VALID}" == "valid"
    assert NikFormat("masked") is NikFormat.MASKED
    assert NikFormat.INVALID == "invalid"


# Properties


def _read_codes(path, *, keep):
    with path.open(encoding="utf-8", newline="") as handle:
        return sorted(row["kode"] for row in csv.DictReader(handle) if keep(row))


CURRENT_DISTRICTS = _read_codes(wilayah.CURRENT_FILE, keep=lambda row: row["kode"].count(".") == 2)
RETIRED_DISTRICTS = _read_codes(
    wilayah.HISTORICAL_FILE,
    keep=lambda row: row["kode"].count(".") == 2 and int(row["terakhir"]) < 2025,
)


@st.composite
def people(draw, districts=CURRENT_DISTRICTS):
    district = draw(st.sampled_from(districts))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    sex = draw(st.sampled_from("LP"))
    serial = draw(st.integers(min_value=1, max_value=9999))
    day = born.day + (40 if sex == "P" else 0)
    nik = district.replace(".", "") + f"{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
    return nik, born, sex


@given(people())
def test_any_well_formed_nik_round_trips_as_valid(person):
    nik, born, sex = person
    result = check(nik, birth_date=born, sex=sex, today=TODAY)
    assert result.status is NikFormat.VALID
    assert result.text == nik
    assert result.warnings == ()
    assert result.parsed == parse(nik)
    assert (result.parsed.day, result.parsed.month, result.parsed.sex) == (
        born.day,
        born.month,
        sex,
    )
    assert result.parsed.yy == born.year % 100
    assert born in result.parsed.birth_date_candidates()
    assert result.parsed.district == nik[:2] + "." + nik[2:4] + "." + nik[4:6]


@given(people(districts=RETIRED_DISTRICTS))
def test_any_nik_from_a_retired_region_is_valid_with_a_warning(person):
    nik, born, sex = person
    result = check(nik, birth_date=born, sex=sex, today=TODAY)
    assert result.status is NikFormat.VALID
    assert warning_codes(result) == ["region_not_current"]


@given(people(), st.integers(min_value=0, max_value=16))
def test_any_masked_copy_matches_its_nik(person, visible):
    nik = person[0]
    masked = mask(nik, visible)
    assert masked_matches(masked, nik)
    if visible < 16:
        assert is_masked(masked)
        assert check(masked).status is NikFormat.MASKED
        assert visible_digits(masked) == nik[:visible]


@given(people())
def test_any_well_formed_kk_number_is_valid_without_sex(person):
    nik, _, sex = person
    if sex == "P":
        return
    result = check(nik, kind="kk", today=TODAY)
    assert result.is_valid
    assert result.parsed.sex is None


anything = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet="0123456789*'.- \u00a0eE+,`\u2019"),
    st.from_regex(r"[0-9]{16}", fullmatch=True),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.booleans(),
)


@given(anything)
def test_clean_is_idempotent(raw):
    assert clean(clean(raw)) == clean(raw)


@given(anything, st.integers(min_value=-2, max_value=20))
def test_mask_never_reveals_more_than_it_is_asked_to(raw, visible):
    masked = mask(raw, visible)
    assert len(masked.replace("*", "")) <= max(visible, 0)
    assert mask(masked, visible) == masked


@given(
    anything,
    st.sampled_from(["nik", "kk"]),
    st.none() | st.dates(),
    st.none() | st.text(max_size=12),
    st.dates(),
)
def test_check_never_raises_and_is_consistent(raw, kind, born, sex, today):
    result = check(raw, kind=kind, birth_date=born, sex=sex, today=today)
    assert isinstance(result.status, NikFormat)
    assert (result.status is NikFormat.VALID) == (result.parsed is not None)
    assert (result.status is NikFormat.BLANK) == (result.text == "")
    if result.status in (NikFormat.VALID, NikFormat.MASKED):
        assert result.errors == ()
    else:
        assert result.errors
    if result.text and re.fullmatch(r"[0-9]{16}", result.text):
        for issue in result.errors + result.warnings:
            assert result.text not in issue.message
    if isinstance(raw, str):
        assert (result.status is NikFormat.VALID) == (parse(raw, kind=kind) is not None)
    assert check(result.text, kind=kind, today=today).text == result.text


@given(anything, anything)
def test_the_helpers_never_raise(first, second):
    assert isinstance(is_masked(first), bool)
    assert isinstance(masked_matches(first, second), bool)
    assert visible_digits(first).isdigit() or visible_digits(first) == ""
    parsed = parse(first)
    assert parsed is None or isinstance(parsed, ParsedNik)
