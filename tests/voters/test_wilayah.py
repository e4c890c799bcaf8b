import csv
from decimal import Decimal

import pytest

from voters.rules import wilayah


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("33", "33"),
        ("33.16", "33.16"),
        ("3316", "33.16"),
        ("33.16.01", "33.16.01"),
        ("331601", "33.16.01"),
        ("33.16.01.2001", "33.16.01.2001"),
        ("3316012001", "33.16.01.2001"),
        (" 33.16 ", "33.16"),
        ("\t3316012001\n", "33.16.01.2001"),
        (33, "33"),
        (3316, "33.16"),
        (331601, "33.16.01"),
        (3316012001, "33.16.01.2001"),
        (3316.0, "33.16"),
        (33.16, "33.16"),
        (Decimal("33.16"), "33.16"),
        (Decimal("3316"), "33.16"),
    ],
)
def test_it_normalizes_codes_to_the_dotted_form(raw, expected):
    assert wilayah.normalize_code(raw) == expected


def test_it_restores_the_zero_excel_drops_from_a_number_cell():
    # 33.10 typed into a number cell comes back as 33.1
    assert wilayah.normalize_code(33.1) == "33.10"


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "abc",
        "3",
        "331",
        "33160",
        "33.1",
        "33.16.1",
        "33.16.01.201",
        "33.16.01.2001.1",
        "33..16",
        "33.16.",
        ".33",
        "33-16",
        "\uff13\uff13",  # full-width digits
        True,
        -33,
        -33.16,
        float("nan"),
        float("inf"),
        1e20,
        1.5e-07,
        Decimal("NaN"),
        Decimal("33.16E+300"),
    ],
)
def test_it_returns_blank_for_unreadable_codes_without_raising(raw):
    assert wilayah.normalize_code(raw) == ""


def test_it_reports_the_level_of_a_code():
    assert [wilayah.level(c) for c in ("33", "3316", "33.16.01", "3316012001", "x")] == [
        1,
        2,
        3,
        4,
        0,
    ]


def test_it_names_codes_from_the_current_set():
    assert wilayah.name("33") == "Jawa Tengah"
    assert wilayah.name("3316") == "Kabupaten Blora"
    assert wilayah.name(" 33.16.01 ") == "Jati"
    assert wilayah.name("3316012001") == "Bangkleyan"
    assert wilayah.name("91.01") is None
    assert wilayah.name("") is None


def test_it_knows_which_codes_exist_now():
    assert wilayah.exists_current("33.16.01.2001")
    assert wilayah.exists_current(3316)
    assert not wilayah.exists_current("91.01")
    assert not wilayah.exists_current("33.16.99")
    assert not wilayah.exists_current(None)


def test_it_keeps_codes_retired_by_the_papua_split_as_historical():
    # Merauke was 91.01 (Papua) until the 2022 set; it is 93.01 (Papua Selatan) now.
    assert wilayah.exists_historical("91.01")
    assert wilayah.exists_historical("91.01.01")
    assert not wilayah.exists_current("91.01")
    assert wilayah.historical("91.01") == wilayah.HistoricalCode(
        "91.01", 2016, 2022, "KAB. MERAUKE"
    )
    assert wilayah.name("93.01") == "Kabupaten Merauke"
    assert wilayah.historical("92.71").last == 2023
    assert wilayah.name("96.71") == "Kota Sorong"


def test_it_checks_desa_codes_against_the_current_set():
    assert wilayah.exists_historical("33.16.01.2001")
    assert not wilayah.exists_historical("33.16.01.9999")
    assert wilayah.historical("33.16.01.2001") is None


def test_it_does_not_know_codes_from_no_set():
    assert not wilayah.exists_historical("94.71")
    assert not wilayah.exists_historical("")
    assert not wilayah.exists_historical("99")
    assert wilayah.historical("94.71") is None


@pytest.mark.parametrize(
    ("code", "province", "regency", "district"),
    [
        ("33", "33", "", ""),
        ("3316", "33", "33.16", ""),
        ("33.16.01", "33", "33.16", "33.16.01"),
        ("3316012001", "33", "33.16", "33.16.01"),
        ("junk", "", "", ""),
        ("", "", "", ""),
    ],
)
def test_it_takes_the_parent_areas_of_a_code(code, province, regency, district):
    assert wilayah.province_of(code) == province
    assert wilayah.regency_of(code) == regency
    assert wilayah.district_of(code) == district


@pytest.mark.parametrize(
    ("area", "code", "expected"),
    [
        ("33", "33.16.01", True),
        ("33", "3316012001", True),
        ("33.16", "33.16.01.2001", True),
        ("3316", "33.16", True),
        ("33.16", "33.17.01", False),
        ("33.16", "33", False),
        ("33", "34.01", False),
        ("33.1", "33.16", False),
        ("", "33.16", False),
        ("33", "", False),
    ],
)
def test_it_tells_whether_a_code_lies_inside_an_area(area, code, expected):
    assert wilayah.contains(area, code) is expected


def test_every_current_code_above_desa_is_in_the_historical_union():
    with wilayah.CURRENT_FILE.open(encoding="utf-8", newline="") as handle:
        codes = [row["kode"] for row in csv.DictReader(handle)]
    assert len(codes) == 91_599
    above_desa = [code for code in codes if code.count(".") < 3]
    assert all(wilayah.exists_historical(code) for code in above_desa)
    assert all(wilayah.normalize_code(code) == code for code in codes)


def test_the_mit_notice_ships_beside_the_data():
    notice = (wilayah.DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert "MIT License" in notice
    assert "Cahya DSN" in notice
