"""import_dapil and dapil_table (CONTRACT.md "Electoral districts")."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from voters.lists.services import dapil_table
from voters.models import DapilEntry

pytestmark = pytest.mark.django_db

DAPIL = """kontestasi;dapil;kode_wilayah
DPR;JAWA TENGAH III;3316
DPR;JAWA TENGAH III;33.17
DPRD Provinsi;JAWA TENGAH 4;33.16
DPRD Kab/Kota;BLORA 1;331601
DPRD_KAB;BLORA 1;33.16.02
DPRD_KAB;BLORA 2;33.16.03
DPR;JAWA TENGAH III;3316
"""


def write(tmp_path, text, name="dapil.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    return str(path)


def run(path):
    out = StringIO()
    call_command("import_dapil", path, "--election", "PILKADA2024", stdout=out)
    return out.getvalue().strip()


def test_it_imports_the_table_with_codes_normalised(election, tmp_path):
    message = run(write(tmp_path, DAPIL))
    assert message == (
        'Dapil PILKADA2024: 6 kode wilayah dari "dapil.csv" (DPR 2, DPRD_PROV 1, DPRD_KAB 3).'
    )
    assert dapil_table(election) == {
        "DPR": {"33.16": "JAWA TENGAH III", "33.17": "JAWA TENGAH III"},
        "DPRD_PROV": {"33.16": "JAWA TENGAH 4"},
        "DPRD_KAB": {"33.16.01": "BLORA 1", "33.16.02": "BLORA 1", "33.16.03": "BLORA 2"},
    }


def test_reimporting_replaces_the_table_and_the_same_file_changes_nothing(election, tmp_path):
    run(write(tmp_path, DAPIL))
    assert "tidak ada perubahan" in run(write(tmp_path, DAPIL, "lagi.csv"))
    run(write(tmp_path, "kontestasi,dapil,kode_wilayah\nDPR,JATENG III,33.16\n", "baru.csv"))
    assert dapil_table(election) == {"DPR": {"33.16": "JATENG III"}}


def test_a_code_in_two_dapils_rejects_the_file_and_keeps_the_table(election, tmp_path):
    run(write(tmp_path, DAPIL))
    bad = DAPIL + "DPR;JAWA TENGAH II;33.16\nDPD;X;33\nDPR;JATENG;33.16.01.2001\n"
    with pytest.raises(CommandError) as caught:
        run(write(tmp_path, bad, "salah.csv"))
    message = str(caught.value)
    assert 'Berkas "salah.csv" ditolak' in message
    assert "baris 9, kolom kode_wilayah" in message
    assert 'baris 10, kolom kontestasi: kontestasi "DPD" tidak dikenali' in message
    assert "baris 11, kolom kode_wilayah: kode wilayah 33.16.01.2001 harus kode provinsi" in message
    assert DapilEntry.objects.count() == 6


def test_an_election_without_a_table_has_no_contests(election):
    assert dapil_table(election) == {}
