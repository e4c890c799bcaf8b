"""The set-up commands of CONTRACT.md: summaries, errors without tracebacks, idempotence."""

import pytest
from django.core.management import CommandError, call_command

from voters.models import TPS, Election, Facility, User

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def setup_blora():
    run("add_facility", "RUTAN-BLORA", "--name", "Rutan Kelas IIB Blora", "--region", "33.16")
    run(
        "add_election",
        "PILKADA2024",
        "--name",
        "Pemilihan Serentak 2024",
        "--type",
        "pilkada",
        "--polling-date",
        "2024-11-27",
        "--region",
        "33.16",
    )
    run("add_tps", "PILKADA2024", "RUTAN-BLORA", "901")


def test_it_sets_up_a_facility_election_and_tps_as_the_contract_says():
    setup_blora()
    facility = Facility.objects.get(code="RUTAN-BLORA")
    assert facility.region_code == "33.16"
    election = Election.objects.get(code="PILKADA2024")
    assert election.race_list == ["GUB", "BUP"]
    assert str(election.dptb_deadline_detainee) == "2024-11-20"
    assert str(election.dptb_deadline_general) == "2024-10-28"
    assert str(election.letter_deadline) == "2024-11-24"
    assert str(election.letter_request_deadline) == "2024-11-26"
    assert TPS.objects.get(number="901").capacity == 600


def test_running_set_up_twice_changes_nothing():
    setup_blora()
    before = [list(m.objects.values()) for m in (Facility, Election, TPS)]
    out = run("add_facility", "RUTAN-BLORA", "--name", "Rutan Kelas IIB Blora", "--region", "3316")
    assert "tidak berubah" in out
    setup_blora()
    assert before == [list(m.objects.values()) for m in (Facility, Election, TPS)]


def test_pemilu_tps_capacity_is_300_and_a_bigger_one_is_refused():
    run("add_facility", "RUTAN-BLORA", "--name", "Rutan Blora", "--region", "33.16")
    run(
        "add_election",
        "PEMILU2024",
        "--name",
        "Pemilu 2024",
        "--type",
        "pemilu",
        "--polling-date",
        "2024-02-14",
        "--region",
        "33.16.01",
    )
    run("add_tps", "PEMILU2024", "RUTAN-BLORA", "901")
    assert TPS.objects.get().capacity == 300
    with pytest.raises(CommandError, match="300"):
        run("add_tps", "PEMILU2024", "RUTAN-BLORA", "902", "--capacity", "600")


def test_a_city_pilkada_elects_a_walikota_and_races_can_be_limited():
    run(
        "add_election",
        "PILKADA-SMG",
        "--name",
        "Pilkada Semarang",
        "--type",
        "pilkada",
        "--polling-date",
        "2024-11-27",
        "--region",
        "33.74",
    )
    assert Election.objects.get(code="PILKADA-SMG").race_list == ["GUB", "WALKOT"]
    run(
        "add_election",
        "PILKADA-BTL",
        "--name",
        "Pilkada Bantul",
        "--type",
        "pilkada",
        "--polling-date",
        "2024-11-27",
        "--region",
        "34.02",
        "--races",
        "BUP",
    )
    assert Election.objects.get(code="PILKADA-BTL").race_list == ["BUP"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["add_facility", "X", "--name", "X", "--region", "99.99"], "tidak dikenal"),
        (
            [
                "add_election",
                "E",
                "--name",
                "E",
                "--type",
                "pilkada",
                "--polling-date",
                "27-11-2024",
                "--region",
                "33.16",
            ],
            "YYYY-MM-DD",
        ),
        (
            [
                "add_election",
                "E",
                "--name",
                "E",
                "--type",
                "pilkada",
                "--polling-date",
                "2024-11-27",
                "--region",
                "33",
            ],
            "kabupaten/kota",
        ),
        (
            [
                "add_election",
                "E",
                "--name",
                "E",
                "--type",
                "pilkada",
                "--polling-date",
                "2024-11-27",
                "--region",
                "33.16",
                "--races",
                "DPR",
            ],
            "Kontestasi",
        ),
        (["add_tps", "NOPE", "RUTAN-BLORA", "901"], "NOPE"),
    ],
)
def test_bad_set_up_input_fails_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_add_user_reads_the_password_file_and_scopes_kpps_to_one_tps(tmp_path):
    setup_blora()
    secret = tmp_path / "pw"
    secret.write_text("rahasia-kpps-901\n")
    run(
        "add_user",
        "budi",
        "--role",
        "kpps",
        "--facility",
        "RUTAN-BLORA",
        "--tps",
        "901",
        "--password-file",
        str(secret),
    )
    user = User.objects.get(username="budi")
    assert user.check_password("rahasia-kpps-901")
    assert (user.role, user.tps_number, user.facility.code) == ("kpps", "901", "RUTAN-BLORA")
    assert not user.is_staff
    assert "tidak berubah" in run(
        "add_user",
        "budi",
        "--role",
        "kpps",
        "--facility",
        "RUTAN-BLORA",
        "--tps",
        "901",
        "--password-file",
        str(secret),
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "kpps", "--facility", "RUTAN-BLORA"], "--tps"),
        (["--role", "operator"], "--facility"),
        (["--role", "operator", "--facility", "RUTAN-BLORA", "--tps", "901"], "kpps"),
        (["--role", "kpps", "--facility", "RUTAN-BLORA", "--tps", "999"], "999"),
        (["--role", "operator", "--region", "33.16"], "kpu dan observer"),
        (["--role", "kpu", "--region", "33.16", "--facility", "RUTAN-BLORA"], "bukan keduanya"),
        (["--role", "kpu", "--region", "bukan-kode"], "tidak dikenal"),
    ],
)
def test_add_user_refuses_an_account_without_its_scope(args, message, tmp_path):
    setup_blora()
    secret = tmp_path / "pw"
    secret.write_text("rahasia-panjang-1\n")
    with pytest.raises(CommandError, match=message):
        run("add_user", "x", *args, "--password-file", str(secret))
    assert not User.objects.filter(username="x").exists()


def test_add_user_region_scopes_a_kpu_liaison_to_every_facility_of_the_regency(tmp_path):
    setup_blora()
    run("add_facility", "POLRES-BLORA", "--name", "Polres Blora", "--region", "33.16.01",
        "--kind", "polres")
    run("add_facility", "RUTAN-REMBANG", "--name", "Rutan Rembang", "--region", "33.17")
    run("add_facility", "LAPAS-PATI", "--name", "Lapas Pati", "--region", "33.18")
    secret = tmp_path / "pw"
    secret.write_text("rahasia-panjang-1\n")
    out = run("add_user", "sari", "--role", "kpu", "--region", "3316",
              "--password-file", str(secret))
    assert out.strip() == "Pengguna sari (kpu, wilayah 33.16) dibuat."
    again = run("add_user", "sari", "--role", "kpu", "--region", "33.16",
                "--password-file", str(secret))
    assert "tidak berubah" in again
    sari = User.objects.get(username="sari")
    assert sari.facility is None and sari.region_code == "33.16"
    assert sorted(sari.facilities().values_list("code", flat=True)) == [
        "POLRES-BLORA", "RUTAN-BLORA"]
    assert sari.sees_full_nik
    run("add_user", "bawaslu", "--role", "observer", "--region", "33.16",
        "--password-file", str(secret))
    observer = User.objects.get(username="bawaslu")
    assert observer.facilities().count() == 2 and not observer.sees_full_nik


def test_add_user_refuses_a_weak_password(tmp_path):
    setup_blora()
    secret = tmp_path / "pw"
    secret.write_text("12345678\n")
    with pytest.raises(CommandError, match="Kata sandi ditolak"):
        run(
            "add_user",
            "x",
            "--role",
            "operator",
            "--facility",
            "RUTAN-BLORA",
            "--password-file",
            str(secret),
        )
    assert not User.objects.filter(username="x").exists()


def test_commands_exit_non_zero_without_a_traceback(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "add_tps", "NOPE", "RUTAN-BLORA", "901"],
        capture_output=True,
        text=True,
        env={
            **__import__("os").environ,
            "DEBUG": "True",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        },
        check=False,
    )
    # The database is empty and unmigrated: either way the person gets a message, not a trace.
    assert result.returncode != 0
    assert "Traceback" not in result.stderr


def test_running_add_election_again_without_races_says_unchanged():
    setup_blora()
    out = run("add_election", "PILKADA2024", "--name", "Pemilihan Serentak 2024", "--type",
              "pilkada", "--polling-date", "2024-11-27", "--region", "33.16")
    assert "tidak berubah" in out


def test_dpt_date_is_stored_kept_on_a_rerun_without_it_and_must_precede_polling_day():
    setup_blora()
    args = ["add_election", "PILKADA2024", "--name", "Pemilihan Serentak 2024", "--type",
            "pilkada", "--polling-date", "2024-11-27", "--region", "33.16"]
    assert Election.objects.get().dpt_date is None
    out = run(*args, "--dpt-date", "2024-09-20")
    assert "penetapan DPT 2024-09-20" in out
    assert "tidak berubah" in run(*args)
    assert str(Election.objects.get().dpt_date) == "2024-09-20"
    with pytest.raises(CommandError, match="sebelum hari pemungutan"):
        run(*args, "--dpt-date", "2024-11-28")
    assert str(Election.objects.get().dpt_date) == "2024-09-20"


def test_ksk_marks_a_tps_with_a_mobile_ballot_box_and_stays_on_a_rerun():
    setup_blora()
    assert TPS.objects.get().ksk is False
    assert "kotak suara keliling" in run("add_tps", "PILKADA2024", "RUTAN-BLORA", "901", "--ksk")
    assert "tidak berubah" in run("add_tps", "PILKADA2024", "RUTAN-BLORA", "901")
    assert TPS.objects.get().ksk is True
