"""The notification letter read back from its PDF as a voter reads it (issue 17, DOMAIN.md §5.1):
the official form's wording, and instructions only for the ballots that voter gets."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from pages_letters import make_inmate, make_list
from pdfs import page_texts

from voters.letters import services as service
from voters.letters.models import FIRST_NOTES, FIRST_SIGNATURE
from voters.models import NoticeTemplate

pytestmark = pytest.mark.django_db

GUB = "Surat suara Pemilihan Gubernur dan Wakil Gubernur"
BUP = "Surat suara Pemilihan Bupati/Wali Kota dan Wakilnya"
# The first default ballot lines (no codes), as templates made before issue 17 hold them.
FIRST_BALLOTS = (
    "Surat suara Pemilihan Gubernur dan Wakil Gubernur: coblos satu kali pada nomor urut, "
    "foto, atau nama salah satu pasangan calon.\n"
    "Surat suara Pemilihan Bupati/Wali Kota dan Wakilnya: coblos satu kali pada nomor urut, "
    "foto, atau nama salah satu pasangan calon."
)


@pytest.fixture
def two_voters(tps901):
    """On the DPT of TPS 901 (Rutan Blora, Pilkada in Jawa Tengah 33 and Blora 33.16): RINI,
    whose KTP-el is from Rembang (33.17, same province), then BAYU, whose KTP-el is from Blora."""
    f = tps901.facility
    rini = make_inmate(f, "BI.010/2024", "RINI LESTARI", birth=dt.date(1991, 4, 3), sex="P",
                       kode_wilayah="33.17.01", serial=21)
    bayu = make_inmate(f, "BI.011/2024", "BAYU PRATAMA", birth=dt.date(1987, 8, 21),
                       kode_wilayah="33.16.01", serial=22)
    make_list(tps901, "DPT", [
        (rini.nama, rini.nik, rini.tanggal_lahir, "P"),
        (bayu.nama, bayu.nik, bayu.tanggal_lahir, "L"),
    ])
    return rini, bayu


def letter_texts(tps, tmp_path):
    voters = service.recipients(tps)
    target = tmp_path / "surat.pdf"
    service.render_letters(tps=tps, voters=voters, target=target)
    return voters, page_texts(target.read_bytes())


def test_a_gubernur_only_voter_is_told_about_the_gubernur_ballot_only(two_voters, tps901,
                                                                      tmp_path):
    voters, (rini, bayu) = letter_texts(tps901, tmp_path)
    assert [v.nama for v in voters] == ["RINI LESTARI", "BAYU PRATAMA"]
    assert "RINI LESTARI" in rini and "BAYU PRATAMA" in bayu
    assert "Cara memberikan suara" in rini
    assert GUB in rini and BUP not in rini
    assert GUB in bayu and BUP in bayu


def test_the_letter_has_the_official_forms_wording(two_voters, tps901, tmp_path):
    _voters, pages = letter_texts(tps901, tmp_path)
    for text in pages:
        assert "NIK/Surat Keterangan" in text
        assert ("KTP-el, Surat Keterangan perekaman KTP-el dari Dinas Dukcapil, atau dokumen "
                "kependudukan lainnya yang memuat identitas dan foto diri") in text
        assert "tidak wajib dibawa" not in text
        assert "KELOMPOK PENYELENGGARA PEMUNGUTAN SUARA KETUA" in text
        assert "Ketua KPPS" not in text
        # No "Blora, ........" place and date line above the signature.
        assert not re.search(r"[A-Za-z], \.{4,}", text)


def test_a_template_made_with_the_first_defaults_still_renders_per_ballot(two_voters, tps901,
                                                                          tmp_path):
    NoticeTemplate.objects.create(
        election=tps901.election, form_name="Model C.Pemberitahuan-KWK", notes=FIRST_NOTES,
        ballot_instructions=FIRST_BALLOTS, signature_title=FIRST_SIGNATURE,
        signature_place="Blora",
    )
    _voters, (rini, bayu) = letter_texts(tps901, tmp_path)
    assert GUB in rini and BUP not in rini
    assert GUB in bayu and BUP in bayu
    # The template's own wording, as the admin left it: a place line when it names one.
    assert "Ketua KPPS" in rini and re.search(r"Blora, \.{4,}", rini)


def test_new_templates_get_the_forms_wording_by_default(election):
    template = NoticeTemplate.for_election(election)
    assert "tidak wajib dibawa" not in template.notes
    assert "dokumen kependudukan lainnya yang memuat identitas dan foto diri" in template.notes
    assert template.signature_lines() == ["KELOMPOK PENYELENGGARA PEMUNGUTAN SUARA", "KETUA"]
    assert template.signature_place == ""


@pytest.mark.parametrize(
    ("ballots", "expected"),
    [
        (("GUB",), ["Gubernur.", "Untuk semua."]),
        (("GUB", "BUP"), ["Gubernur.", "Bupati.", "Untuk semua."]),
        (("WALKOT",), ["Bupati.", "Untuk semua."]),
        ((), []),
        (None, ["Gubernur.", "Bupati.", "Untuk semua."]),
    ],
)
def test_coded_lines_are_for_the_voters_of_those_ballots_only(election, ballots, expected):
    template = NoticeTemplate(
        election=election, ballot_instructions="[GUB] Gubernur.\n[bup, WALKOT] Bupati.\n"
        "Untuk semua.\n",
    )
    assert template.ballot_lines(ballots) == expected


def test_an_unknown_ballot_code_is_refused_in_the_admin_and_printed_as_text(election):
    template = NoticeTemplate(election=election, form_name="X",
                              ballot_instructions="[GUBERNUR] Coblos satu kali.")
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert "ballot_instructions" in refused.value.message_dict
    assert template.ballot_lines(("GUB",)) == ["[GUBERNUR] Coblos satu kali."]


@pytest.mark.parametrize(
    ("region", "ballots"),
    [
        ("33.17.01", ("GUB",)),  # elsewhere in Jawa Tengah
        ("33.16.01", ("GUB", "BUP")),  # Blora
        ("35.78.01", ()),  # Jawa Timur: no ballot in this Pilkada
        ("", None),  # unknown: the rule cannot tell
    ],
)
def test_a_voters_ballots_are_those_of_the_reconciliation_rule(tps901, region, ballots):
    rini = make_inmate(tps901.facility, "BI.010/2024", "RINI LESTARI", kode_wilayah=region)
    voter = service.Voter(entry=None, inmate=rini, list_kind="DPT", number=1)
    assert service.voter_ballots([voter], election=tps901.election) == [ballots]


def test_migration_0015_moves_untouched_first_defaults_to_the_form_and_keeps_edits():
    """Templates saved with migration 0006's defaults read like the form after 0015; a text an
    admin changed is theirs and stays (issue 17)."""
    import importlib

    from django.apps import apps as django_apps

    from voters.letters.models import (
        DEFAULT_NOTES,
        DEFAULT_SIGNATURE,
        FIRST_NOTES,
        FIRST_SIGNATURE,
        NoticeTemplate,
    )
    from voters.models import Election

    migration = importlib.import_module("voters.migrations.0015_notice_form_defaults")
    assert (migration.OLD_NOTES, migration.NEW_NOTES) == (FIRST_NOTES, DEFAULT_NOTES)
    assert (migration.OLD_SIGNATURE, migration.NEW_SIGNATURE) == (FIRST_SIGNATURE,
                                                                  DEFAULT_SIGNATURE)
    first = Election.objects.create(code="E1", name="E1", kind="pilkada",
                                    polling_date=dt.date(2024, 11, 27), region_code="33.16")
    second = Election.objects.create(code="E2", name="E2", kind="pilkada",
                                     polling_date=dt.date(2024, 11, 27), region_code="33.16")
    old = NoticeTemplate.objects.create(election=first, notes=FIRST_NOTES,
                                        signature_title=FIRST_SIGNATURE)
    edited = NoticeTemplate.objects.create(election=second, notes="Catatan rutan sendiri.",
                                           signature_title="Ketua KPPS 901")
    migration.to_the_form(django_apps, None)
    old.refresh_from_db()
    edited.refresh_from_db()
    assert (old.notes, old.signature_title) == (DEFAULT_NOTES, DEFAULT_SIGNATURE)
    assert (edited.notes, edited.signature_title) == ("Catatan rutan sendiri.", "Ketua KPPS 901")
    assert NoticeTemplate._meta.get_field("notes").default == DEFAULT_NOTES
