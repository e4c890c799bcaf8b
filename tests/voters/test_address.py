"""voters.rules.address: one RT/RW per printed address (issue 17)."""

import pytest

from voters.rules.address import Address, compose_address, split_address


@pytest.mark.parametrize(
    "alamat, street, rt, rw",
    [
        ("DUSUN 8 RT 006/RW 005", "DUSUN 8", "006", "005"),
        ("DUSUN 8 RT.006 RW.005", "DUSUN 8", "006", "005"),
        ("DUSUN 8 RT 6 / RW 5", "DUSUN 8", "6", "5"),
        ("Dusun 8 Rt 006 Rw 005", "Dusun 8", "006", "005"),
        ("JL. MAWAR NO. 5, RT 001/RW 002, KEL. SUKA", "JL. MAWAR NO. 5, KEL. SUKA", "001", "002"),
        ("JL. MAWAR NO. 5", "JL. MAWAR NO. 5", "", ""),
        ("JL. PERTAMA", "JL. PERTAMA", "", ""),
    ],
)
def test_split_reads_rt_rw_written_in_the_address(alamat, street, rt, rw):
    assert split_address(alamat) == Address(street, rt, rw)


def test_no_rt_anywhere():
    assert split_address("JL. MAWAR NO. 5", "", "") == Address("JL. MAWAR NO. 5", "", "")
    assert compose_address("JL. MAWAR NO. 5", "", "") == "JL. MAWAR NO. 5"
    assert compose_address(None, None, None) == ""


def test_rt_rw_only_in_the_columns():
    assert split_address("DUSUN 8", "006", "004") == Address("DUSUN 8", "006", "004")
    assert compose_address("DUSUN 8", "006", "004") == "DUSUN 8 RT 006/RW 004"


def test_both_and_agreeing_prints_once():
    assert compose_address("DUSUN 8 RT 006/RW 005", "006", "005") == "DUSUN 8 RT 006/RW 005"


def test_both_and_disagreeing_the_address_wins():
    assert split_address("DUSUN 8 RT 006/RW 005", "006", "004") == Address("DUSUN 8", "006", "005")
    assert compose_address("DUSUN 8 RT 006/RW 005", "006", "004") == "DUSUN 8 RT 006/RW 005"


def test_a_column_fills_only_the_half_the_address_lacks():
    assert split_address("DUSUN 8 RT 006", "009", "004") == Address("DUSUN 8", "006", "004")
    assert compose_address("DUSUN 8", "", "004", missing="—") == "DUSUN 8 RT —/RW 004"


def test_letter_separator():
    assert compose_address("DUSUN 8", "6", "4", sep=", ") == "DUSUN 8, RT 6/RW 4"
    assert compose_address("", "6", "4", sep=", ") == "RT 6/RW 4"


# The places that print an address go through the rule (the letter, the list pages, Model A).
from types import SimpleNamespace  # noqa: E402

from django.template import Context, Template  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402

from voters.letters.services import _address  # noqa: E402

_ENTRY = SimpleNamespace(
    alamat="DUSUN 8 RT 006/RW 005", rt="006", rw="004", kelurahan="SUKA", kecamatan="MAJU",
    position=1, nama="BUDI", tempat_lahir="X", status_perkawinan="B", jenis_kelamin="L",
    disabilitas=None, keterangan="",
)


def test_letter_address_prints_one_rt_rw():
    assert _address(_ENTRY) == "DUSUN 8, RT 006/RW 005, Kel./Desa SUKA, Kec. MAJU"


def test_list_page_filter_prints_one_rt_rw():
    html = Template("{% load tps %}{{ e|address_line }}").render(Context({"e": _ENTRY}))
    assert html == "DUSUN 8 RT 006/RW 005"


@pytest.mark.parametrize("name", ["voters/lists/detail.html", "voters/lists/reference.html"])
def test_list_pages_use_the_filter(name):
    from django.template.loader import get_template

    source = get_template(name).template.source
    assert "r.entry|address_line" in source
    assert "r.entry.rt" not in source


def test_model_a_cells_hold_street_rt_rw_once():
    html = render_to_string(
        "voters/lists/model_a.html",
        {"rows": [{"entry": _ENTRY, "nkk": "", "nik": "", "born": "", "age": ""}],
         "voter_list": SimpleNamespace(get_kind_display=lambda: "DPT", file_name="f.xlsx"),
         "tps": SimpleNamespace(number=1, address="LAPAS"),
         "facility": SimpleNamespace(name="LAPAS", address="JL. A")},
    )
    assert '<td>DUSUN 8</td>\n    <td class="c">006</td>\n    <td class="c">005</td>' in html
    assert "004" not in html
