"""Matching and classification rules (voters/rules/: names, match, eligibility, classify):
pure, no database.

The setting is Rutan Blora (33.16) at the Pilkada of 27 November 2024 (H-7 = 20 November,
H-30 = 28 October), judged on 15 November unless a test says otherwise.
"""

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from voters.rules.classify import (
    CATEGORIES,
    Category,
    Changes,
    Result,
    changes,
    classify,
    count_by_category,
    dapil_of,
    kab_race_code,
)
from voters.rules.eligibility import Election, Inmate, age_on
from voters.rules.match import (
    PROBABLE_THRESHOLD,
    Decision,
    ListEntry,
    MemoryReferenceIndex,
    RefEntry,
    Staff,
)
from voters.rules.names import name_similarity, name_tokens, normalize_name, token_similarity

POLLING = date(2024, 11, 27)
TODAY = date(2024, 11, 15)
BORN = date(1990, 5, 5)

PILKADA_BLORA = Election(kind="pilkada", polling_date=POLLING, region="33.16", races=("GUB", "BUP"))


def nik_for(serial, birth=BORN, sex="L", district="331601"):
    day = birth.day + (40 if sex == "P" else 0)
    return f"{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def inmate(id, nama="BUDI SANTOSO", **kwargs):
    values = {
        "no_registrasi": f"AIII.{id:03d}/2024",
        "nik": nik_for(id, kwargs.get("birth_date", BORN), kwargs.get("sex", "L")),
        "birth_date": BORN,
        "sex": "L",
        "marital": "S",
        "address_region": "33.16.01",
        "admitted": date(2024, 6, 1),
        "register_class": "A.III",
    }
    values.update(kwargs)
    return Inmate(id=id, nama=nama, **values)


def entry(id, nama="BUDI SANTOSO", **kwargs):
    values = {"kind": "DPT", "tps": "901", "nik": "", "birth_date": BORN, "sex": "L"}
    values.update(kwargs)
    return ListEntry(id=id, nama=nama, **values)


def ref(nik, nama="BUDI SANTOSO", **kwargs):
    values = {"birth_date": BORN, "sex": "L", "tps": "005", "kelurahan": "Jepon"}
    values.update(kwargs)
    return RefEntry(nik=nik, nama=nama, **values)


def run(inmates=(), entries=(), refs=(), election=PILKADA_BLORA, today=TODAY, decisions=(),
        staff=(), others=()):
    return classify(
        inmates=inmates,
        entries=entries,
        reference=MemoryReferenceIndex(refs),
        election=election,
        today=today,
        decisions=decisions,
        staff=staff,
        others=MemoryReferenceIndex(others),
    )


def only(results):
    assert len(results) == 1, results
    return results[0]


def by_inmate(results, inmate_id):
    return next(r for r in results if r.inmate_id == inmate_id)


def by_entry(results, entry_id):
    return next(r for r in results if entry_id in r.entry_ids)


# Names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SOEKARNO", "SUKARNO"),
        ("DJOKO", "JOKO"),
        ("TJIPTO", "CIPTO"),
        ("SJAHRIR", "SYAHRIR"),
        ("NJOTO", "NYOTO"),
        ("WIDJAJA", "WIJAYA"),
        ("SOEJONO", "SUYONO"),
        ("M. RIDWAN BIN AHMAD", "MOHAMAD RIDWAN"),
        ("MOCH.RIDWAN", "Muhammad Ridwan"),
        ("Mhd. Ridwan", "MUHAMMAD RIDWAN"),
        ("MUCHAMMAD RIDWAN", "MUKHAMAD RIDWAN"),
        ("H. ABDUL ROCHIM, S.H.", "ABDUL ROKHIM"),
        ("Drs. H. M. Ridwan, M.Si", "MUHAMMAD RIDWAN"),
        ("Prof. Dr. Ir. H. Achmad Fauzi, M.M.", "AHMAD FAUZI"),
        ("K.H. ABDULLAH", "ABDULAH"),
        ("HJ. SITI AMINAH BINTI SALIM", "SITI AMINAH"),
        ("St. Aminah", "SITI AMINAH"),
        ("ARIEF RACHMAN HAKIM S. H.", "ARIF RAHMAN HAKIM"),
        ("RUDY HENDRY", "RUDI HENDRI"),
        ("ZAENAL ABIDIN", "ZAINAL ABIDIN"),
        ("NOOR HAYATI", "NUR HAYATI"),
        ("José  Ramos-Horta", "JOSE RAMOS HORTA"),
        ("Ma'ruf Amin", "MARUF AMIN"),
        ("BUDI ALS. UJANG BIN KARTO", "BUDI"),
        ("BUDI (UJANG)", "BUDI"),
    ],
)
def test_it_normalizes_spellings_titles_patronymics_and_muhammad(a, b):
    assert normalize_name(a) == normalize_name(b)
    assert name_similarity(a, b) == 1.0


def test_it_writes_normalized_names_in_canonical_words():
    assert normalize_name("  h.  m.  ridwan,  s.pd.i ") == "MUHAMMAD RIDWAN"
    assert name_tokens("H. ABDUL ROCHIM, S.H.") == ("ABDUL", "ROKHIM")
    assert name_tokens("RIDWAN M.") == ("RIDWAN", "M")  # a last "M" stays an initial
    assert normalize_name("") == ""


def test_it_accepts_extra_spelling_variants():
    assert normalize_name("UJANG", aliases={"UJANG": "UJAN"}) == "UJAN"
    assert normalize_name("UJANG", aliases=[("UJANG", "UJAN")]) == "UJAN"
    assert normalize_name("UJANG") == "UJANG"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SITI AMINAH BINTI SALIM", "AMINAH SITI"),
        ("JOKO WIDODO", "WIDODO JOKO"),
        ("NURHAYATI", "NUR HAYATI"),
        ("HAYATI NUR", "NURHAYATI"),
    ],
)
def test_it_ignores_word_order_and_words_written_together(a, b):
    assert name_similarity(a, b) == 1.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SUPRIYADI", "SUPRIADI"),
        ("BUDI SANTOSO", "BUDI SANTOSA"),
        ("ABDURRAHMAN SALEH", "ABDUL RAHMAN SALEH"),
        ("B. SANTOSO", "BUDI SANTOSO"),
        ("RIDWAN", "MUHAMMAD RIDWAN"),
        ("BUDI", "BUDI SANTOSO"),
    ],
)
def test_it_keeps_typos_initials_and_mononyms_above_the_probable_threshold(a, b):
    assert name_similarity(a, b) >= PROBABLE_THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("BUDI SANTOSO", "BUDI SETIAWAN"),
        ("SITI AMINAH", "SITI AISYAH"),
        ("AHMAD FAUZI", "AHMAD FAUZAN"),
        ("I WAYAN SUDIRTA", "I WAYAN SUDARMA"),
        ("SLAMET RIYADI", "SLAMET RIYANTO"),
        ("HERU", "HERI"),
        ("MUHAMMAD", "MUHAMMAD RIDWAN"),
        ("EKO", "EKO BUDI SANTOSO"),
        ("DEWI LESTARI", "DEWI KARTIKA"),
    ],
)
def test_it_scores_different_people_below_the_probable_threshold(a, b):
    assert name_similarity(a, b) < PROBABLE_THRESHOLD


def test_a_mononym_of_a_common_word_is_a_weaker_match_than_of_a_rare_one():
    common = name_similarity("MUHAMMAD", "MUHAMMAD RIDWAN")
    rare = name_similarity("RIDWAN", "MUHAMMAD RIDWAN")
    assert 0 < common < rare < 1


def test_empty_names_never_match():
    assert name_similarity("", "BUDI") == 0.0
    assert name_similarity("S.H.", "") == 0.0


_WORD_LIST = "BUDI SANTOSO SITI AMINAH MUHAMMAD RIDWAN SOEKARNO DJOKO H. S.H. BIN AHMAD NUR HAYATI"
_WORD_LIST += " EKO RAHMAT ROCHIM SUPRIADI WAHYUNI AGUS SALIM M. DEWI"
_WORDS = st.sampled_from(_WORD_LIST.split(" "))
_NAMES = st.lists(_WORDS, min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(_NAMES, _NAMES, st.randoms(use_true_random=False))
def test_name_similarity_is_bounded_symmetric_and_order_independent(a, b, rnd):
    first, second = " ".join(a), " ".join(b)
    score = name_similarity(first, second)
    assert 0.0 <= score <= 1.0
    assert score == pytest.approx(name_similarity(second, first))
    shuffled = list(name_tokens(first))
    rnd.shuffle(shuffled)
    again = token_similarity(tuple(shuffled), name_tokens(second))
    assert again == pytest.approx(score)
    if name_tokens(first):
        assert name_similarity(first, first) == 1.0


# Who gets a row -----------------------------------------------------------------------------------


def test_it_registers_an_inmate_on_the_dpt_by_nik():
    budi = inmate(1)
    result = only(run([budi], [entry(10, nik=budi.nik)]))
    assert result.category == Category.TERDAFTAR
    assert (result.inmate_id, result.entry_ids) == (1, (10,))
    assert (result.daftar, result.tps) == ("DPT", "901")
    assert result.surat_suara == ("GUB", "BUP")
    assert result.surat_suara_text == "GUB;BUP"
    assert result.match.layer == "nik"
    assert result.match.fields == ("nik", "nama", "tanggal_lahir", "jenis_kelamin")
    assert "cocok NIK" in result.alasan


def test_it_gives_exactly_one_row_per_inside_inmate_and_per_entry():
    people = [
        inmate(i, nama=f"ORANG NOMOR {i}", birth_date=BORN + timedelta(days=i)) for i in range(1, 6)
    ]
    gone = inmate(6, nama="SUDAH PERGI", left_on=date(2024, 10, 1), left_kind="bebas")
    entries = [
        entry(10 + i, nama=p.nama, nik=p.nik, birth_date=p.birth_date)
        for i, p in enumerate(people[:3])
    ]
    entries.append(entry(20, nama="ORANG ASING", birth_date=date(1970, 1, 1)))
    results = run([*people, gone], entries)
    assert len(results) == 6  # five inside (three of them listed) and one unknown entry
    assert sorted(r.inmate_id for r in results if r.inmate_id) == [1, 2, 3, 4, 5]
    assert sorted(e for r in results for e in r.entry_ids) == [10, 11, 12, 20]
    assert count_by_category(results)[Category.TERDAFTAR] == 3
    assert count_by_category(results)[Category.TIDAK_DIKENAL] == 1


def test_it_leaves_out_unlisted_inmates_who_are_not_inside_today():
    left = inmate(1, left_on=date(2024, 11, 1), left_kind="bebas")
    future = inmate(2, nama="BELUM MASUK", admitted=date(2024, 11, 20))
    left_today = inmate(3, nama="KELUAR HARI INI", left_on=TODAY, left_kind="bebas")
    assert run([left, future, left_today]) == []


def test_it_uses_the_given_day_and_not_the_clock():
    budi = inmate(1, left_on=date(2024, 11, 10))
    with time_machine.travel(date(2024, 11, 1)):
        assert run([budi], today=TODAY) == []
        assert only(run([budi], today=date(2024, 11, 5))).category == Category.KELUAR


# KELUAR -------------------------------------------------------------------------------------------


def test_a_listed_person_who_left_is_keluar_not_terdaftar():
    budi = inmate(1, left_on=date(2024, 11, 1), left_kind="mutasi")
    result = only(run([budi], [entry(10, nik=budi.nik)]))
    assert result.category == Category.KELUAR
    assert result.entry_ids == (10,)
    assert result.surat_suara == ()
    assert "keluar 01-11-2024" in result.alasan
    assert "mutasi" in result.alasan
    assert "beri tahu KPU" in result.alasan


def test_an_unlisted_convict_released_before_polling_day_is_keluar():
    result = only(run([inmate(1, register_class="B.I", expected_release=date(2024, 11, 20))]))
    assert result.category == Category.KELUAR
    assert "dijadwalkan bebas 20-11-2024" in result.alasan
    assert "beri tahu KPU" not in result.alasan
    assert result.tindakan == ""


@pytest.mark.parametrize(
    ("release", "category"),
    [
        (POLLING - timedelta(days=1), Category.KELUAR),
        (POLLING, Category.KELUAR),
        (POLLING + timedelta(days=1), Category.TERDAFTAR),
        (None, Category.TERDAFTAR),
    ],
)
def test_a_convicts_release_on_or_before_polling_day_is_keluar_and_after_it_a_voter(
    release, category
):
    budi = inmate(1, register_class="B.IIa", expected_release=release)
    result = only(run([budi], [entry(10, nik=budi.nik)]))
    assert result.category == category
    assert result.tindakan == ("LAPOR_KPU" if category == Category.KELUAR else "")


@pytest.mark.parametrize("register", ["A.III", "A.I", ""])
@pytest.mark.parametrize("order_end", [POLLING - timedelta(days=1), POLLING])
def test_a_detainees_order_ending_by_polling_day_is_not_a_release_but_to_confirm(
    register, order_end
):
    budi = inmate(1, register_class=register, expected_release=order_end)
    result = only(run([budi], [entry(10, nik=budi.nik)]))
    assert result.category == Category.TERDAFTAR
    assert result.tindakan == "KONFIRMASI_PENAHANAN"
    assert f"masa penahanan berakhir {order_end:%d-%m-%Y}" in result.alasan
    assert "pastikan perpanjangannya" in result.alasan


def test_a_detainee_whose_order_ends_after_polling_day_has_nothing_to_confirm():
    budi = inmate(1, expected_release=POLLING + timedelta(days=1))
    result = only(run([budi], [entry(10, nik=budi.nik)]))
    assert (result.category, result.tindakan) == (Category.TERDAFTAR, "")
    assert "masa penahanan" not in result.alasan


def test_admission_on_polling_day_counts_as_inside_and_after_it_does_not():
    on_the_day = inmate(1, admitted=POLLING)
    after = inmate(2, nama="SESUDAH", admitted=POLLING + timedelta(days=1))
    later = date(2024, 12, 1)
    results = run([on_the_day, after], today=later)
    assert by_inmate(results, 1).category == Category.BELUM_TERDAFTAR
    assert by_inmate(results, 2).category == Category.KELUAR
    assert "setelah hari pemungutan suara" in by_inmate(results, 2).alasan


def test_keluar_comes_before_tms():
    child = inmate(1, birth_date=date(2010, 1, 1), marital="B", left_on=date(2024, 11, 1))
    assert (
        only(run([child], [entry(10, nik=child.nik, birth_date=child.birth_date)])).category
        == Category.KELUAR
    )


# TIDAK_DIKENAL ------------------------------------------------------------------------------------


def test_an_entry_that_matches_no_inmate_is_tidak_dikenal():
    results = run([inmate(1)], [entry(10, nama="SLAMET RIYADI", nik=nik_for(99))])
    stranger = by_entry(results, 10)
    assert stranger.category == Category.TIDAK_DIKENAL
    assert stranger.inmate_id is None
    assert stranger.surat_suara == ()
    assert "beri tahu KPU" in stranger.alasan
    assert by_inmate(results, 1).category == Category.BELUM_TERDAFTAR


def test_the_same_birth_date_with_another_name_is_no_match():
    results = run([inmate(1, nama="BUDI SANTOSO")], [entry(10, nama="BUDI SETIAWAN")])
    assert by_entry(results, 10).category == Category.TIDAK_DIKENAL
    assert by_inmate(results, 1).category == Category.BELUM_TERDAFTAR


def test_two_unknown_entries_with_one_nik_are_one_tidak_dikenal_row():
    same = nik_for(77)
    results = run([], [entry(10, nik=same), entry(11, kind="DPTB", nik=same)])
    result = only(results)
    assert result.category == Category.TIDAK_DIKENAL  # comes before GANDA
    assert result.entry_ids == (10, 11)
    assert "lebih dari sekali" in result.alasan


# TMS ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes_", "words"),
    [
        ({"birth_date": date(2008, 1, 1), "marital": "B"}, "di bawah umur"),
        ({"citizenship": "WNA"}, "WNA"),
        ({"tni_polri": True}, "TNI/Polri"),
        ({"vote_revoked": True}, "hak pilih dicabut"),
        ({"dead": True}, "meninggal"),
    ],
)
def test_ineligible_people_are_tms_with_the_reason(changes_, words):
    person = inmate(1, **changes_)
    result = only(run([person], [entry(10, nik=person.nik, birth_date=person.birth_date)]))
    assert result.category == Category.TMS
    assert words in result.alasan
    assert result.surat_suara == ()
    assert "beri tahu KPU" in result.alasan


def test_tms_names_the_coklit_code_and_every_reason():
    person = inmate(1, birth_date=date(2009, 1, 1), marital="B", tni_polri=True)
    result = only(run([person]))
    assert "kode 3" in result.alasan
    assert "kode 6/7" in result.alasan
    assert result.alasan.index("di bawah umur") < result.alasan.index("TNI/Polri")


def test_under_17_but_married_may_vote():
    young = inmate(1, birth_date=date(2009, 1, 1), marital="S")
    assert (
        only(run([young], [entry(10, nik=young.nik, birth_date=young.birth_date)])).category
        == Category.TERDAFTAR
    )
    divorced = inmate(2, birth_date=date(2009, 1, 1), marital="P")
    assert only(run([divorced])).category != Category.TMS


@pytest.mark.parametrize(
    ("birth", "category"),
    [
        (date(2007, 11, 27), Category.TERDAFTAR),  # 17 exactly on polling day
        (date(2007, 11, 28), Category.TMS),  # 17 the day after
        (date(2007, 11, 26), Category.TERDAFTAR),
    ],
)
def test_the_seventeenth_birthday_on_polling_day_is_enough(birth, category):
    young = inmate(1, birth_date=birth, marital="B")
    result = only(run([young], [entry(10, nik=young.nik, birth_date=birth)]))
    assert result.category == category


def test_age_counts_completed_years_and_leap_day_birthdays():
    assert age_on(date(2007, 11, 27), POLLING) == 17
    assert age_on(date(2008, 2, 29), date(2025, 2, 28)) == 16
    assert age_on(date(2008, 2, 29), date(2025, 3, 1)) == 17


def test_tms_comes_before_luar_wilayah():
    foreigner = inmate(1, citizenship="WNA", address_region="31.71")
    assert only(run([foreigner])).category == Category.TMS


# Region and ballots -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "category", "ballots"),
    [
        ("33.16.01.2001", Category.BELUM_TERDAFTAR, ("GUB", "BUP")),  # Blora
        ("3316", Category.BELUM_TERDAFTAR, ("GUB", "BUP")),
        ("33.74", Category.BELUM_TERDAFTAR, ("GUB",)),  # Kota Semarang, also Jawa Tengah
        ("33.15.01", Category.BELUM_TERDAFTAR, ("GUB",)),  # Grobogan
        ("31.71", Category.LUAR_WILAYAH, ()),  # Jakarta
        ("35.22", Category.LUAR_WILAYAH, ()),  # Bojonegoro, just across the border in Jawa Timur
    ],
)
def test_ballots_of_the_blora_pilkada_follow_the_ktp_address(address, category, ballots):
    result = only(run([inmate(1, address_region=address)]))
    assert result.category == category
    assert result.surat_suara == ballots


def test_a_listed_person_from_outside_the_region_is_luar_wilayah_not_terdaftar():
    budi = inmate(1, address_region="31.71.01")
    result = only(run([budi], [entry(10, nik=budi.nik)]))
    assert result.category == Category.LUAR_WILAYAH
    assert "31.71.01" in result.alasan
    assert "beri tahu KPU" in result.alasan


def test_a_kota_pilkada_has_a_walkot_ballot():
    semarang = Election(kind="pilkada", polling_date=POLLING, region="3374", races=("GUB", "BUP"))
    result = only(run([inmate(1, address_region="33.74.02")], election=semarang))
    assert result.surat_suara == ("GUB", "WALKOT")
    assert kab_race_code("33.74") == "WALKOT"
    assert kab_race_code("33.16") == "BUP"


def test_a_bupati_only_pilkada_in_yogyakarta_has_no_governor_ballot():
    bantul = Election(kind="pilkada", polling_date=POLLING, region="34.02", races=("BUP",))
    results = run(
        [inmate(1, address_region="34.02.01"), inmate(2, nama="SLEMAN", address_region="34.04")],
        election=bantul,
    )
    assert by_inmate(results, 1).surat_suara == ("BUP",)
    assert by_inmate(results, 2).category == Category.LUAR_WILAYAH


def test_a_governor_only_pilkada_gives_only_the_governor_ballot():
    jateng = Election(kind="pilkada", polling_date=POLLING, region="33.16", races=("GUB",))
    assert only(run([inmate(1)], election=jateng)).surat_suara == ("GUB",)


def test_a_missing_ktp_address_is_not_luar_wilayah_but_has_no_ballot_yet():
    budi = inmate(1, address_region="")
    result = only(run([budi], [entry(10, nik=budi.nik)]))
    assert result.category == Category.TERDAFTAR
    assert result.surat_suara == ()
    assert "kode wilayah KTP-el kosong" in result.alasan


def test_an_address_known_only_to_the_province_gets_the_governor_ballot():
    result = only(run([inmate(1, address_region="33")]))
    assert result.surat_suara == ("GUB",)
    assert "kurang rinci" in result.alasan


DAPIL = {
    "DPR": {"33.16": "JAWA TENGAH III", "33.15": "JAWA TENGAH III", "33.74": "JAWA TENGAH I"},
    "DPRD_PROV": {"33.16": "JAWA TENGAH 4", "33.17": "JAWA TENGAH 4", "33.15": "JAWA TENGAH 3"},
    "DPRD_KAB": {"33.16": "BLORA 1", "33.16.05": "BLORA 2", "33.16.06": "BLORA 2"},
}


def pemilu_voter(**kwargs):
    return inmate(1, admitted=date(2023, 6, 1), **kwargs)


def pemilu(dapil=DAPIL, region="33.16.01"):
    return Election(kind="pemilu", polling_date=date(2024, 2, 14), region=region, dapil=dapil)


@pytest.mark.parametrize(
    ("address", "ballots"),
    [
        ("33.16.01.2001", ("PPWP", "DPR", "DPD", "DPRD_PROV", "DPRD_KAB")),
        ("33.16.02", ("PPWP", "DPR", "DPD", "DPRD_PROV", "DPRD_KAB")),
        ("33.16.05.2003", ("PPWP", "DPR", "DPD", "DPRD_PROV")),  # other DPRD_KAB dapil
        ("33.17", ("PPWP", "DPD", "DPRD_PROV")),  # Rembang
        ("33.15", ("PPWP", "DPR", "DPD")),  # Grobogan
        ("33.74", ("PPWP", "DPD")),
        ("31.71", ("PPWP",)),
    ],
)
def test_pemilu_ballots_follow_the_dapil_of_the_most_specific_listed_code(address, ballots):
    result = only(
        run([pemilu_voter(address_region=address)], election=pemilu(), today=date(2024, 2, 1))
    )
    assert result.surat_suara == ballots
    assert result.category == Category.BELUM_TERDAFTAR  # a Pemilu has no LUAR_WILAYAH


def test_pemilu_without_dapil_tables_gives_ppwp_and_dpd_and_says_which_table_is_missing():
    result = only(
        run(
            [pemilu_voter(address_region="33.16.02")],
            election=pemilu(dapil={}),
            today=date(2024, 2, 1),
        )
    )
    assert result.surat_suara == ("PPWP", "DPD")
    for contest in ("DPR", "DPRD_PROV", "DPRD_KAB"):
        assert f"tabel dapil {contest} belum ada" in result.alasan


def test_pemilu_with_one_missing_table_still_gives_the_others():
    partial = {"DPR": DAPIL["DPR"]}
    result = only(
        run(
            [pemilu_voter(address_region="33.16.02")],
            election=pemilu(partial),
            today=date(2024, 2, 1),
        )
    )
    assert result.surat_suara == ("PPWP", "DPR", "DPD")
    assert "tabel dapil DPRD_PROV belum ada" in result.alasan
    assert "tabel dapil DPR belum" not in result.alasan


def test_pemilu_with_no_ktp_address_gives_only_ppwp():
    result = only(run([pemilu_voter(address_region="")], election=pemilu(), today=date(2024, 2, 1)))
    assert result.surat_suara == ("PPWP",)


def test_the_dapil_of_a_place_is_that_of_its_most_specific_listed_code():
    table = {"3316": "BLORA 1", "33.16.05": "BLORA 2"}
    assert dapil_of("33.16.05.2001", table) == "BLORA 2"
    assert dapil_of("33.16.01", table) == "BLORA 1"
    assert dapil_of("33.17", table) is None


# GANDA --------------------------------------------------------------------------------------------


def test_a_person_on_both_dpt_and_dptb_is_one_ganda_row():
    budi = inmate(1)
    results = run([budi], [entry(11, kind="DPTB", nik=budi.nik), entry(10, nik=budi.nik)])
    result = only(results)
    assert result.category == Category.GANDA
    assert result.entry_ids == (10, 11)  # DPT first
    assert result.daftar == "DPT"
    assert result.surat_suara == ("GUB", "BUP")
    assert "DPT TPS 901" in result.alasan and "DPTB TPS 901" in result.alasan


def test_a_duplicate_of_a_person_who_left_is_keluar():
    budi = inmate(1, left_on=date(2024, 11, 2))
    result = only(run([budi], [entry(10, nik=budi.nik), entry(11, kind="DPTB", nik=budi.nik)]))
    assert result.category == Category.KELUAR
    assert result.entry_ids == (10, 11)


def test_a_decision_plus_an_nik_match_for_the_same_inmate_is_ganda():
    budi = inmate(1)
    entries = [entry(10, nik=budi.nik), entry(11, kind="DPK", nik="331601**********")]
    accept = Decision(inmate_id=1, entry_id=11, verdict="accept")
    assert only(run([budi], entries, decisions=[accept])).category == Category.GANDA


# PERLU_PERIKSA ------------------------------------------------------------------------------------


def test_a_masked_entry_with_the_same_name_and_birth_date_is_perlu_periksa():
    budi = inmate(1, nama="M. RIDWAN BIN SLAMET")
    result = only(run([budi], [entry(10, nama="MOHAMAD RIDWAN", nik="331601**********")]))
    assert result.category == Category.PERLU_PERIKSA
    assert (result.inmate_id, result.entry_ids) == (1, (10,))
    assert result.match.layer == "masked_nik"
    assert result.match.score == 1.0
    assert result.match.fields == ("nik_terlihat", "nama", "tanggal_lahir", "jenis_kelamin")
    assert result.surat_suara == ("GUB", "BUP")
    assert "perlu keputusan" in result.alasan


@pytest.mark.parametrize("listed_nik", [nik_for(55), "", "0", "3.3160E+15"])
def test_another_or_missing_nik_with_the_same_name_and_birth_date_is_perlu_periksa(listed_nik):
    result = only(run([inmate(1)], [entry(10, nama="Budi Santosa", nik=listed_nik)]))
    assert result.category == Category.PERLU_PERIKSA
    assert result.match.layer == "probable"
    assert "nik" not in result.match.fields
    assert PROBABLE_THRESHOLD <= result.match.score < 1


def test_an_inmate_without_a_valid_nik_is_matched_only_as_probable():
    budi = inmate(1, nik="", nik_status="blank")
    result = only(run([budi], [entry(10, nik=nik_for(1))]))
    assert result.category == Category.PERLU_PERIKSA


def test_a_masked_entry_with_other_visible_digits_is_still_probable_by_name_and_birth_date():
    result = only(run([inmate(1)], [entry(10, nik="357801**********")]))
    assert result.category == Category.PERLU_PERIKSA
    assert result.match.layer == "probable"


def test_an_inmate_alias_is_used_for_matching():
    budi = inmate(1, nama="SUPARMAN", aliases=("UJANG KURNIA",))
    result = only(run([budi], [entry(10, nama="UJANG KURNIA", nik="331601**********")]))
    assert result.category == Category.PERLU_PERIKSA


def test_an_accepted_decision_confirms_the_pair_as_terdaftar():
    budi = inmate(1)
    accept = Decision(inmate_id=1, entry_id=10, verdict="accept")
    result = only(run([budi], [entry(10, nama="BUDI", nik="331601**********")], decisions=[accept]))
    assert result.category == Category.TERDAFTAR
    assert result.match.layer == "decision"
    assert "keputusan petugas" in result.alasan


def test_a_rejected_decision_splits_the_pair():
    budi = inmate(1)
    reject = Decision(inmate_id=1, entry_id=10, verdict="reject")
    results = run([budi], [entry(10, nik="331601**********")], decisions=[reject])
    assert by_entry(results, 10).category == Category.TIDAK_DIKENAL
    assert by_inmate(results, 1).category == Category.BELUM_TERDAFTAR
    assert by_inmate(results, 1).entry_ids == ()


def test_the_last_verdict_on_a_pair_wins():
    budi = inmate(1)
    decisions = [
        Decision(inmate_id=1, entry_id=10, verdict="accept"),
        Decision(inmate_id=1, entry_id=10, verdict="reject"),
    ]
    results = run([budi], [entry(10, nik="331601**********")], decisions=decisions)
    assert by_entry(results, 10).category == Category.TIDAK_DIKENAL


def test_a_rejected_decision_does_not_undo_an_equal_nik():
    budi = inmate(1)
    reject = Decision(inmate_id=1, entry_id=10, verdict="reject")
    result = only(run([budi], [entry(10, nik=budi.nik)], decisions=[reject]))
    assert result.category == Category.TERDAFTAR


def test_an_entry_like_two_inmates_equally_is_one_perlu_periksa_row_with_both_candidates():
    twins = [inmate(1, nama="BUDI SANTOSO"), inmate(2, nama="BUDI SANTOSO")]
    results = run(twins, [entry(10, nik="331601**********")])
    row = by_entry(results, 10)
    assert row.category == Category.PERLU_PERIKSA
    assert row.inmate_id is None
    assert row.candidates == (1, 2)
    assert "AIII.001/2024" in row.alasan
    assert len(results) == 3  # the twins keep their own rows


def test_the_best_of_two_probable_inmates_wins():
    people = [inmate(1, nama="BUDI SANTOSO"), inmate(2, nama="BUDI SANTOSO WIBOWO")]
    results = run(people, [entry(10, nama="BUDI SANTOSO", nik="")])
    assert by_entry(results, 10).inmate_id == 1
    assert by_inmate(results, 2).entry_ids == ()


def test_an_equal_nik_wins_over_a_better_name():
    people = [inmate(1, nama="BUDI SANTOSO"), inmate(2, nama="SLAMET")]
    result = by_entry(run(people, [entry(10, nama="BUDI SANTOSO", nik=people[1].nik)]), 10)
    assert result.inmate_id == 2
    assert result.category == Category.TERDAFTAR
    assert "nama pada daftar berbeda" in result.alasan


def test_a_probable_second_entry_of_a_registered_inmate_is_perlu_periksa_not_ganda():
    budi = inmate(1)
    entries = [entry(10, nik=budi.nik), entry(11, kind="DPTB", nik="331601**********")]
    result = only(run([budi], entries))
    assert result.category == Category.PERLU_PERIKSA
    assert result.entry_ids == (10, 11)
    assert result.match.entry_id == 11


def test_a_probable_match_to_someone_who_left_is_keluar():
    budi = inmate(1, left_on=date(2024, 11, 2), left_kind="bebas")
    result = only(run([budi], [entry(10, nik="331601**********")]))
    assert result.category == Category.KELUAR
    assert "belum pasti" in result.alasan


def test_an_unlisted_entry_with_the_nik_of_a_probable_entry_joins_that_person():
    budi = inmate(1, nik="", nik_status="blank")
    other = nik_for(42)
    entries = [entry(10, nik=other), entry(11, kind="DPTB", nama="B SANTOSO X", nik=other)]
    result = only(run([budi], entries))
    assert result.category == Category.GANDA
    assert result.entry_ids == (10, 11)


# PEREKAMAN, USUL_DPTB, BELUM_TERDAFTAR ------------------------------------------------------------


@pytest.mark.parametrize(
    ("nik", "status", "word"),
    [
        ("", "blank", "kosong"),
        ("3316", "invalid", "tidak valid"),
        ("331601**********", "masked", "tersamar"),
    ],
)
def test_an_unlisted_inmate_without_a_valid_nik_needs_perekaman(nik, status, word):
    result = only(run([inmate(1, nik=nik, nik_status=status)], refs=[ref(nik_for(1))]))
    assert result.category == Category.PEREKAMAN
    assert word in result.alasan
    assert result.surat_suara == ("GUB", "BUP")


def test_the_nik_status_is_derived_when_not_given():
    assert inmate(1, nik="", nik_status="").nik_status == "blank"
    assert inmate(1, nik=nik_for(1), nik_status="").nik_status == "valid"
    assert inmate(1, nik="3.3160E+15", nik_status="").nik_status == "invalid"


def test_it_proposes_dptb_for_new_arrival_found_on_reference_dpt():
    budi = inmate(1)
    result = only(
        run([budi], refs=[ref(budi.nik, tps="005", kelurahan="Jepon", kecamatan="Jepon")])
    )
    assert result.category == Category.USUL_DPTB
    assert result.ref_match.layer == "nik"
    assert result.ref_match.ref.tps == "005"
    assert "TPS 005 Kel. Jepon" in result.alasan
    assert result.surat_suara == ("GUB", "BUP")
    assert "H-7 (20-11-2024)" in result.deadline_note
    assert "H-30 (28-10-2024) sudah lewat" in result.deadline_note


def test_it_finds_a_masked_reference_entry_by_visible_digits_name_and_birth_date():
    budi = inmate(1, nama="H. ABDUL ROCHIM, S.H.")
    refs = [ref("331601**********", nama="ABDUL ROKHIM", tps="012")]
    result = only(run([budi], refs=refs))
    assert result.category == Category.USUL_DPTB
    assert result.ref_match.layer == "masked_nik"
    assert result.ref_match.fields == ("nik_terlihat", "nama", "tanggal_lahir", "jenis_kelamin")


@pytest.mark.parametrize(
    "masked_ref",
    [
        ref("331601**********", nama="SLAMET RIYADI"),  # another name
        ref("357801**********"),  # other visible digits
        ref("331601**********", birth_date=date(1990, 5, 6)),  # another birth date
        ref("331601**********", sex="P"),  # another sex
    ],
)
def test_a_masked_reference_entry_needs_digits_name_birth_date_and_sex_to_agree(masked_ref):
    result = only(run([inmate(1)], refs=[masked_ref]))
    assert result.category == Category.BELUM_TERDAFTAR


def test_an_inmate_on_no_reference_dpt_is_belum_terdaftar():
    result = only(run([inmate(1)], refs=[ref(nik_for(99), nama="SLAMET")]))
    assert result.category == Category.BELUM_TERDAFTAR
    assert "DPK" not in result.alasan  # DPK is never advice for the facility's own voters
    assert "minta KPU mencarinya di data pemilih nasional" in result.alasan
    assert result.tindakan == "CARI_DPT"
    assert result.ref_match is None
    assert result.deadline_note == ""


def test_a_reference_entry_with_another_nik_is_only_a_hint_until_accepted():
    budi = inmate(1)
    refs = [ref(nik_for(98), nama="BUDI SANTOSO", tps="007")]
    result = only(run([budi], refs=refs))
    assert result.category == Category.BELUM_TERDAFTAR
    assert "NIK lain" in result.alasan and "TPS 007" in result.alasan
    accept = Decision(inmate_id=1, entry_id=None, verdict="accept")
    accepted = only(run([budi], refs=refs, decisions=[accept]))
    assert accepted.category == Category.USUL_DPTB
    assert accepted.ref_match.layer == "decision"


def test_a_rejected_reference_candidate_is_not_used():
    refs = [ref("331601**********")]
    reject = Decision(inmate_id=1, entry_id=None, verdict="reject")
    result = only(run([inmate(1)], refs=refs, decisions=[reject]))
    assert result.category == Category.BELUM_TERDAFTAR


def test_the_reference_gives_the_region_when_the_roster_has_none():
    budi = inmate(1, address_region="")
    result = only(run([budi], refs=[ref(budi.nik, region="33.16.03")]))
    assert result.category == Category.USUL_DPTB
    assert result.surat_suara == ("GUB", "BUP")
    assert "DPT rujukan" in result.alasan


def test_a_missing_reference_dpt_is_said():
    result = only(
        classify(
            inmates=[inmate(1)], entries=[], reference=None, election=PILKADA_BLORA, today=TODAY
        )
    )
    assert result.category == Category.BELUM_TERDAFTAR
    assert "belum dimuat" in result.alasan


@pytest.mark.parametrize(
    ("today", "words"),
    [
        (date(2024, 10, 1), "batas umum H-30 (28-10-2024) belum lewat"),
        (date(2024, 11, 15), "masih dapat pindah memilih sampai H-7 (20-11-2024), 5 hari lagi"),
        (date(2024, 11, 20), "hari ini batas terakhir"),
        (
            date(2024, 11, 21),
            "batas pindah memilih H-7 (20-11-2024) sudah lewat: tidak dapat lagi dipindahkan",
        ),
        (date(2024, 11, 28), "sudah lewat"),
    ],
)
def test_the_deadline_note_says_what_is_still_possible(today, words):
    budi = inmate(1, register_class="B.I")
    result = only(run([budi], refs=[ref(budi.nik)], today=today))
    assert result.category == Category.USUL_DPTB
    assert words in result.deadline_note


def test_the_deadline_note_names_the_home_tps_and_the_kpu_when_too_late():
    budi = inmate(1)
    result = only(run([budi], refs=[ref(budi.nik, tps="005")], today=date(2024, 11, 22)))
    assert "Laporkan ke KPU" in result.deadline_note
    assert "TPS 005" in result.deadline_note
    assert "DPK" not in result.deadline_note  # on a DPT elsewhere: never DPK


def test_deadlines_given_by_the_election_win_over_the_defaults():
    election = Election(
        kind="pilkada",
        polling_date=POLLING,
        region="33.16",
        dptb_deadline_detainee=date(2024, 11, 10),
        dptb_deadline_general=date(2024, 10, 1),
    )
    budi = inmate(1)
    result = only(run([budi], refs=[ref(budi.nik)], election=election))
    assert "H-7 (10-11-2024) sudah lewat" in result.deadline_note


# Reference index ----------------------------------------------------------------------------------


def test_the_memory_reference_index_looks_up_by_nik_visible_digits_and_birth_date():
    full = ref(nik_for(1))
    masked = ref("331601**********", nama="SITI")
    other = ref("357801**********", nama="AMIN")
    index = MemoryReferenceIndex([full, masked, other])
    assert len(index) == 3
    assert index.by_nik(nik_for(1)) == [full]
    assert index.by_nik(nik_for(2)) == []
    assert index.by_visible(nik_for(5), BORN) == [masked]
    assert index.by_visible(nik_for(5), date(2000, 1, 1)) == []
    assert index.by_birth_date(BORN) == [full, masked, other]


def test_classify_prefetches_what_it_will_look_up_when_the_index_can():
    class Recording(MemoryReferenceIndex):
        calls = []

        def prefetch(self, *, niks, birth_dates):
            self.calls.append((tuple(niks), tuple(birth_dates)))

    budi = inmate(1)
    index = Recording([ref(budi.nik)])
    classify(
        inmates=[budi, inmate(2, nik="")],
        entries=[],
        reference=index,
        election=PILKADA_BLORA,
        today=TODAY,
    )
    assert index.calls == [((budi.nik,), (BORN,))]


# Changes ------------------------------------------------------------------------------------------


def test_changes_lists_arrivals_departures_and_category_changes():
    budi, siti = inmate(1), inmate(2, nama="SITI AMINAH", sex="P", birth_date=date(1985, 1, 1))
    before = run([budi], [entry(10, nik="331601**********"), entry(11, nama="ORANG ASING")])
    accept = Decision(inmate_id=1, entry_id=10, verdict="accept")
    after = run([budi, siti], [entry(10, nik="331601**********")], decisions=[accept])
    diff = changes(before, after)
    assert [r.inmate_id for r in diff.arrivals] == [2]
    assert [r.entry_ids for r in diff.departures] == [(11,)]
    assert [(c.key, c.before.category, c.after.category) for c in diff.changed] == [
        (("inmate", 1), Category.PERLU_PERIKSA, Category.TERDAFTAR)
    ]


def test_changes_reports_a_merge_once_per_previous_row():
    budi = inmate(1)
    before = run([budi], [entry(10, nama="ORANG LAIN", nik="331601**********")])
    assert {r.category for r in before} == {Category.BELUM_TERDAFTAR, Category.TIDAK_DIKENAL}
    accept = Decision(inmate_id=1, entry_id=10, verdict="accept")
    after = run([budi], [entry(10, nama="ORANG LAIN", nik="331601**********")], decisions=[accept])
    diff = changes(before, after)
    assert diff.arrivals == () and diff.departures == ()
    assert sorted(c.before.category for c in diff.changed) == [
        Category.BELUM_TERDAFTAR,
        Category.TIDAK_DIKENAL,
    ]
    assert changes(after, after) == Changes((), (), ())


# Scale --------------------------------------------------------------------------------------------


def test_a_facility_of_two_thousand_inmates_and_six_hundred_entries_is_classified_in_one_pass():
    rnd = random.Random(7)
    first = ["BUDI", "SITI", "AHMAD", "EKO", "DEWI", "AGUS", "RIDWAN", "SLAMET", "NUR", "JOKO"]
    last = ["SANTOSO", "AMINAH", "FAUZI", "PRASETYO", "LESTARI", "SALIM", "HIDAYAT", "RIYADI"]
    people = []
    for i in range(1, 2001):
        born = date(1960, 1, 1) + timedelta(days=rnd.randrange(15000))
        name = f"{rnd.choice(first)} {rnd.choice(last)} {i}"
        people.append(inmate(i, nama=name, birth_date=born, nik=nik_for(i, born)))
    entries = [
        entry(10000 + i, nama=p.nama, nik=p.nik, birth_date=p.birth_date)
        for i, p in enumerate(people[:600])
    ]
    refs = [ref(p.nik, nama=p.nama, birth_date=p.birth_date) for p in people[600:1500]]
    results = run(people, entries, refs)
    assert len(results) == 2000
    counts = count_by_category(results)
    assert (
        counts[Category.TERDAFTAR],
        counts[Category.USUL_DPTB],
        counts[Category.BELUM_TERDAFTAR],
    ) == (600, 900, 500)


def test_categories_are_in_the_contract_order():
    assert CATEGORIES == (
        "KELUAR",
        "PETUGAS",
        "TIDAK_DIKENAL",
        "TMS",
        "LUAR_WILAYAH",
        "GANDA",
        "PERLU_PERIKSA",
        "TERDAFTAR",
        "PEREKAMAN",
        "USUL_DPTB",
        "BELUM_TERDAFTAR",
    )
    assert Result(category=Category.TERDAFTAR, inmate_id=1, entry_ids=(2,)).keys == (
        ("inmate", 1),
        ("entry", 2),
    )


def test_races_may_be_given_as_the_comma_separated_text_of_the_model():
    bantul = Election(kind="pilkada", polling_date=POLLING, region="34.02", races="BUP")
    assert only(run([inmate(1, address_region="34.02")], election=bantul)).surat_suara == ("BUP",)
    lowercase = Election(
        kind="pemilu",
        polling_date=date(2024, 2, 14),
        region="33.16.01",
        dapil={"dpr": DAPIL["DPR"]},
    )
    voter = pemilu_voter(address_region="33.16.02")
    result = only(run([voter], election=lowercase, today=date(2024, 2, 1)))
    assert result.surat_suara == ("PPWP", "DPR", "DPD")


def test_an_equal_nik_with_another_birth_date_is_registered_with_a_note():
    budi = inmate(1)
    result = only(run([budi], [entry(10, nik=budi.nik, birth_date=date(1990, 5, 6))]))
    assert result.category == Category.TERDAFTAR
    assert "tanggal lahir pada daftar berbeda" in result.alasan


# Contract 2: staff, Dukcapil answers, other TPS lists, the stage of the lists -------------------


def test_an_officer_on_the_tps_list_is_petugas_not_unknown():
    officer = Staff(nik=nik_for(50), nama="AGUS SANTOSO", jabatan="Kepala KPR")
    result = only(run([], [entry(10, nama="AGUS SANTOSO", nik=nik_for(50))], staff=[officer]))
    assert result.category == Category.PETUGAS
    assert result.tindakan == ""
    assert "petugas UPT (AGUS SANTOSO, Kepala KPR)" in result.alasan
    assert result.surat_suara == ("GUB", "BUP")


def test_a_listed_stranger_whose_nik_no_officer_has_is_still_unknown():
    officer = Staff(nik=nik_for(50), nama="AGUS SANTOSO")
    result = only(run([], [entry(10, nama="AGUS SANTOSO", nik=nik_for(51))], staff=[officer]))
    assert (result.category, result.tindakan) == (Category.TIDAK_DIKENAL, "LAPOR_KPU")


@pytest.mark.parametrize(("answer", "words"), [
    ("not_found", "Dukcapil menjawab NIK tidak ditemukan"),
    ("not_recorded", "Dukcapil menjawab belum rekam KTP-el"),
])
def test_a_well_formed_nik_dukcapil_did_not_find_needs_recording(answer, words):
    result = only(run([inmate(1, dukcapil=answer)]))
    assert (result.category, result.tindakan) == (Category.PEREKAMAN, "REKAM_KTP")
    assert words in result.alasan


def test_a_verified_nik_off_every_list_is_not_perekaman():
    assert only(run([inmate(1, dukcapil="verified")])).category == Category.BELUM_TERDAFTAR


def test_someone_on_another_facilitys_tps_list_is_proposed_for_pindah_memilih_naming_it():
    budi = inmate(1)
    other = ref(budi.nik, tps="005", where="DPTB TPS 005 (Rutan Polres Blora)")
    result = only(run([budi], others=[other]))
    assert (result.category, result.tindakan) == (Category.USUL_DPTB, "USUL_DPTB")
    assert "terdaftar di DPTB TPS 005 (Rutan Polres Blora)" in result.alasan


def test_another_tps_list_is_matched_by_visible_digits_with_name_and_birth_date_only():
    budi = inmate(1)
    masked = ref(budi.nik[:6] + "*" * 10, where="DPT TPS 007 (Lapas X)")
    assert only(run([budi], others=[masked])).category == Category.USUL_DPTB
    namesake = ref(nik_for(77), where="DPT TPS 007 (Lapas X)")  # name and date, another NIK
    assert only(run([budi], others=[namesake])).category == Category.BELUM_TERDAFTAR


DPT_FIXED = date(2024, 9, 20)
PILKADA_WITH_DPT_DATE = replace(PILKADA_BLORA, dpt_date=DPT_FIXED)


@pytest.mark.parametrize(("today", "action", "words"), [
    (date(2024, 9, 19), "USUL_DPT", "usulkan masuk DPT TPS ini sebelum penetapan DPT (20-09-2024)"),
    (date(2024, 9, 20), "CARI_DPT", "minta KPU mencarinya di data pemilih nasional"),
    (date(2024, 11, 20), "CARI_DPT", "sebelum batas H-7 (20-11-2024)"),
    (date(2024, 11, 21), "LEWAT_BATAS", "TPS ini tidak dapat lagi menerimanya"),
])
def test_advice_for_someone_on_no_list_follows_the_stage_of_the_lists(today, action, words):
    result = only(run([inmate(1)], refs=[ref(nik_for(99), nama="SLAMET")],
                      election=PILKADA_WITH_DPT_DATE, today=today))
    assert (result.category, result.tindakan) == (Category.BELUM_TERDAFTAR, action)
    assert words in result.alasan and "DPK" not in result.alasan


@pytest.mark.parametrize(("today", "action", "words"), [
    (date(2024, 9, 19), "USUL_DPT", "usulkan masuk DPT TPS ini"),
    (date(2024, 11, 20), "USUL_DPTB", "usulkan pindah memilih ke TPS ini"),
    (date(2024, 11, 21), "LEWAT_BATAS", "usulkan pindah memilih ke TPS ini"),
])
def test_someone_on_a_dpt_elsewhere_is_proposed_for_the_dpt_before_it_is_fixed(
    today, action, words
):
    budi = inmate(1)
    result = only(run([budi], refs=[ref(budi.nik, tps="005")],
                      election=PILKADA_WITH_DPT_DATE, today=today))
    assert (result.category, result.tindakan) == (Category.USUL_DPTB, action)
    assert words in result.alasan
