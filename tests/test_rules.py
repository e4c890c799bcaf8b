"""The pure rules (voters/rules/): no Django in them, and the SQL that must say the same thing
says the same thing (issue 14: one rule, one place)."""

import ast
import datetime as dt
import itertools
from pathlib import Path

import pytest

from voters.lists import models as list_models
from voters.models import Inmate
from voters.reconciliation.models import Category
from voters.rules import classify, custody, eligibility, nik

RULES = Path(__file__).resolve().parents[1] / "voters" / "rules"
READERS = RULES.parent / "readers"
DAY = dt.date(2024, 11, 27)


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield ("." * node.level) + (node.module or "")


def test_the_rules_import_nothing_of_django_or_of_the_database():
    files = sorted(RULES.glob("*.py"))
    names = {path.stem for path in files}
    assert {"names", "match", "classify", "eligibility", "custody", "lists", "nik"} <= names
    assert "matching" not in names  # split into the modules above (issue 14)
    for path in files:
        for name in imported_modules(path):
            assert not name.startswith(("django", "celery", "psycopg")), (path.name, name)
            # Within the package only: never ..models, ..services and the like.
            assert not name.startswith("..") and name not in (".", ".."), (path.name, name)


def test_the_models_choices_are_the_rules_enums():
    """One definition each: the values and their order come from the rule, the model adds only
    the labels (and the lists and the roster share one Sex and one Marital)."""
    assert Category.values == list(classify.Category) == list(classify.CATEGORIES)
    assert Inmate.Sex.values == list(eligibility.Sex)
    assert Inmate.Marital.values == list(eligibility.Marital)
    assert list_models.Sex is Inmate.Sex and list_models.Marital is Inmate.Marital
    assert list_models.NikFormat.values == list(nik.NikFormat)


def test_the_readers_import_nothing_of_django_or_of_the_database():
    """voters/readers read files for the services, which write (issue 14): they import the
    rules and one another, never Django, the database or another subject, not even lazily, and
    nothing they import brings Django in behind them."""
    import os
    import subprocess
    import sys

    files = sorted(READERS.glob("*.py"))
    modules = {path.stem for path in files} - {"__init__"}
    assert {"cells", "tables", "xlsx_guard", "fast", "batches", "xlsx_sheet"} <= modules
    for path in files:
        for name in imported_modules(path):
            assert not name.startswith(("django", "celery", "psycopg", ".")), (path.name, name)
            if name.split(".")[0] == "voters":
                assert name.startswith(("voters.rules", "voters.readers")), (path.name, name)
    code = (
        "import sys\n"
        + "".join(f"import voters.readers.{module}\n" for module in sorted(modules))
        + "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('django', 'celery', 'psycopg')))"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    found = subprocess.run(
        [sys.executable, "-c", code],
        cwd=RULES.parents[1],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("register", "tahanan", "narapidana"),
    [("A.III", True, False), ("a.i", True, False), (" B.I", False, True), ("B.IIa", False, True),
     ("", False, False), ("SEUMUR HIDUP", False, False)],
)
def test_registers_a_and_b_are_tahanan_and_narapidana(register, tahanan, narapidana):
    assert custody.is_tahanan(register) is tahanan
    assert custody.is_narapidana(register) is narapidana


@pytest.mark.django_db
def test_the_rosters_queries_agree_with_the_custody_rules(blora):
    around = [None, DAY - dt.timedelta(days=1), DAY, DAY + dt.timedelta(days=1)]
    inmates = []
    # Registers: convicts (B, any case) whose release counts, and detainees (A, blank, a police
    # register) whose tanggal_bebas is only the end of a detention order.
    for n, (admitted, left, release, dead, register) in enumerate(
        itertools.product(around[1:], around, around, (False, True), ("B.I", "b.IIa", "A.II", ""))
    ):
        inmates.append(Inmate.objects.create(
            facility=blora, no_registrasi=f"X.{n}", nama=f"WBP {n}", jenis_kelamin="L",
            tanggal_lahir=dt.date(1990, 1, 1), tanggal_masuk=admitted, tanggal_keluar=left,
            tanggal_bebas=release, register=register,
            jenis_keluar=Inmate.ExitKind.MENINGGAL if dead else "",
        ))
    for day in around[1:]:
        inside = {i.pk for i in inmates if custody.inside_on(
            admitted=i.tanggal_masuk, left_on=i.tanggal_keluar, day=day)}
        expected = {i.pk for i in inmates if custody.expected_inside_on(
            admitted=i.tanggal_masuk, left_on=i.tanggal_keluar, expected_release=i.tanggal_bebas,
            dead=i.is_dead, day=day, register=i.register)}
        assert set(Inmate.objects.inside_on(day).values_list("pk", flat=True)) == inside, day
        assert (
            set(Inmate.objects.expected_inside_on(day).values_list("pk", flat=True)) == expected
        ), day
        assert {i.pk for i in inmates if i.is_inside_on(day)} == inside
        assert {i.pk for i in inmates if i.is_expected_inside_on(day)} == expected
        for polling in around[1:]:
            later = {i.pk for i in inmates if i.is_expected_inside_on(polling)}
            assert Inmate.objects.custody_counts(today=day, polling=polling) == {
                "total": len(inmates), "inside": len(inside), "expected": len(later),
                "leaving": len(inside - later),
            }, (day, polling)
    assert 0 < len(expected) < len(inside) < len(inmates)


def test_a_tps_lists_come_dpt_then_dptb_then_dpk_everywhere():
    from voters.lists.models import LIST_KIND_ORDER, ListKind
    from voters.rules.lists import LIST_ORDER, list_rank

    assert sorted(["DPK", "X", "DPT", "DPTB"], key=list_rank) == ["DPT", "DPTB", "DPK", "X"]
    assert tuple(ListKind.values) == LIST_ORDER
    assert sorted(LIST_KIND_ORDER, key=LIST_KIND_ORDER.get) == list(LIST_ORDER)


@pytest.mark.parametrize(
    ("register", "release", "inside", "order_ends"),
    [
        ("B.I", DAY, False, False),  # a convict released on polling day is not inside
        ("B.I", DAY + dt.timedelta(days=1), True, False),
        ("A.III", DAY, True, True),  # a detainee's order ending is not a release
        ("A.III", DAY - dt.timedelta(days=1), True, True),
        ("", DAY, True, True),  # blank register: a detainee
        ("A.III", DAY + dt.timedelta(days=1), True, False),
        ("A.III", None, True, False),
    ],
)
def test_only_a_convicts_release_takes_them_out_and_a_detainees_order_end_is_to_confirm(
    register, release, inside, order_ends
):
    admitted = DAY - dt.timedelta(days=30)
    assert custody.expected_inside_on(
        admitted=admitted, left_on=None, expected_release=release, dead=False, day=DAY,
        register=register) is inside
    assert custody.order_ends_by(register=register, expected_release=release, day=DAY) is (
        order_ends)
