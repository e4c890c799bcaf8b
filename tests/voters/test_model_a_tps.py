"""The TPS column of the Model A-Daftar Pemilih Lokasi Khusus (issue 17): the TPS a voter is on,
and for the voters the facility proposes, its TPSs filled in number order up to capacity."""

import csv

import pytest
import test_reconciliation as world
from test_reconciliation import TODAY, quiet

from voters.models import TPS
from voters.rules.lists import fill_tps

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(tmp_path, db):
    """The reconciliation tests' Rutan Blora (test_reconciliation.loaded): TPS 901 with a DPT
    of 6 and a DPTb of 1."""
    quiet("add_facility", "RUTAN-BLORA", "--name", "Rutan Kelas IIB Blora", "--region", "33.16")
    quiet("add_election", "PILKADA2024", "--name", "Pemilihan Serentak 2024", "--type",
          "pilkada", "--polling-date", "2024-11-27", "--region", "33.16")
    quiet("add_tps", "PILKADA2024", "RUTAN-BLORA", "901")
    quiet("import_inmates", world.write(tmp_path, "sdp.csv", world.INMATES), "--facility",
          "RUTAN-BLORA")
    for kind, text in (("DPT", world.DPT), ("DPTB", world.DPTB)):
        quiet("import_voter_list", world.write(tmp_path, f"{kind}.csv", text), "--election",
              "PILKADA2024", "--tps", "901", "--kind", kind)
    quiet("import_reference_dpt", world.write(tmp_path, "ref.csv", world.REFERENCE),
          "--election", "PILKADA2024")
    return tmp_path

# In the run's order: the three voters of ``loaded`` on none of TPS 901's lists.
PROPOSED = ["BELUM ADA DI DPT", "PINDAHAN BARU", "TANPA NIK"]


def export(tmp_path, kind):
    out = tmp_path / f"{kind}.csv"
    quiet("export_reconciliation", "--election", "PILKADA2024", "--facility", "RUTAN-BLORA",
          "--format", "csv", "-o", str(out), "--today", TODAY, "--kind", kind)
    with out.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def tps_by_name(rows, column="TPS"):
    return {row["NAMA"]: row[column] for row in rows}


def test_proposed_voters_spill_to_the_next_tps_when_the_first_is_full(loaded, tmp_path):
    # TPS 901 holds 7 listed rows (DPT 6, DPTb 1): room for one more; TPS 1001 (after 902 in
    # number order, though before it as text) has room for one; 902 for the rest.
    TPS.objects.filter(number="901").update(capacity=8)
    quiet("add_tps", "PILKADA2024", "RUTAN-BLORA", "1001", "--capacity", "1")
    quiet("add_tps", "PILKADA2024", "RUTAN-BLORA", "902", "--capacity", "1")
    tps = tps_by_name(export(tmp_path, "a-daftar-pemilih-loksus"))
    assert tps["BUDI SANTOSO"] == "901"  # on the DPT of 901
    assert [tps[name] for name in PROPOSED] == ["901", "902", "1001"]
    # The pindah memilih export names the same destination as the Model A.
    pindah = tps_by_name(export(tmp_path, "pindah-memilih"), "TPS TUJUAN")
    assert pindah == {"PINDAHAN BARU": "902"}


def test_a_voter_no_tps_has_room_for_gets_no_tps(loaded, tmp_path):
    TPS.objects.filter(number="901").update(capacity=8)
    tps = tps_by_name(export(tmp_path, "a-daftar-pemilih-loksus"))
    assert [tps[name] for name in PROPOSED] == ["901", "", ""]
    assert tps["BUDI SANTOSO"] == "901"


def test_fill_tps_fills_each_tps_up_to_its_capacity_in_order():
    tps = [("901", 600, 598), ("902", 600, 600), ("903", 600, 0)]
    assert fill_tps(tps, 4) == ["901", "901", "903", "903"]
    assert fill_tps([("901", 5, 9)], 2) == []
    assert fill_tps([], 3) == []
