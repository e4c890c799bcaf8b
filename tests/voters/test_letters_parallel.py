"""A big batch of letters laid out in two processes and joined (issue 17): the same pages, the
same text, in the same order as the one-process document; one process when the setting says 1
or the batch is small; a child that fails leaves nothing behind."""

import datetime as dt
import os

import pytest
from pages_letters import make_inmate, make_list
from pdfs import page_count, page_texts

from voters.letters import parallel
from voters.letters import services as service
from voters.models import LetterBatch

pytestmark = pytest.mark.django_db

FIRST = ("AGUS", "BUDI", "SITI", "JOKO", "DEWI", "EKO", "RINA", "HERU", "SRI", "TEGUH", "YULI")


@pytest.fixture
def eleven(tps901):
    """A DPT of 11 voters inside on polling day, each with a name of their own, across two
    blocks and two KTP-el regions (so the ballot instructions differ between letters)."""
    people = []
    for n, first in enumerate(FIRST):
        sex = "P" if first in ("SITI", "DEWI", "RINA", "SRI", "YULI") else "L"
        inmate = make_inmate(
            tps901.facility, f"BI.{n + 1:03d}/2024", f"{first} NUGROHO {n + 1}",
            birth=dt.date(1980 + n, 1 + n % 12, 3 + n), sex=sex, blok="AB"[n % 2],
            serial=40 + n, kode_wilayah="33.16.01" if n % 3 else "33.17.02",
        )
        people.append((inmate.nama, inmate.nik, inmate.tanggal_lahir, sex))
    make_list(tps901, "DPT", people)
    return service.recipients(tps901)


@pytest.fixture
def spy(monkeypatch):
    """The results of render_split and whether child processes were started."""
    seen = {"results": [], "started": 0}
    real_split, real_start = parallel.render_split, parallel._start_children

    def split(*args, **kwargs):
        result = real_split(*args, **kwargs)
        seen["results"].append(result)
        return result

    def start(count, *args, **kwargs):
        seen["started"] += count
        return real_start(count, *args, **kwargs)

    monkeypatch.setattr(parallel, "render_split", split)
    monkeypatch.setattr(parallel, "_start_children", start)
    return seen


def render(tps, voters, target, progress=None):
    pages = service.render_letters(tps=tps, voters=voters, target=target, progress=progress)
    data = target.read_bytes()
    return pages, data


def test_a_big_batch_is_laid_out_in_two_processes_with_the_same_pages_as_one(
    eleven, tps901, tmp_path, settings, spy
):
    settings.LETTER_PARALLEL_MIN_LETTERS = 10
    settings.LETTER_RENDER_PROCESSES = 1
    pages_one, one = render(tps901, eleven, tmp_path / "one.pdf")
    assert spy["started"] == 0
    assert not isinstance(spy["results"][-1], parallel.SplitResult)

    settings.LETTER_RENDER_PROCESSES = 2
    events = []
    pages_two, two = render(tps901, eleven, tmp_path / "two.pdf",
                            progress=lambda step, page: events.append((step, page)))
    result = spy["results"][-1]
    assert spy["started"] == 2
    assert isinstance(result, parallel.SplitResult) and result.processes == 2
    assert [part["pages"] for part in result.parts] == [6, 5]

    assert pages_one == pages_two == page_count(one) == page_count(two) == 11
    texts_one, texts_two = page_texts(one), page_texts(two)
    assert texts_two == texts_one
    for text, voter in zip(texts_two, eleven, strict=True):  # list order, one voter per page
        assert voter.nama in text and voter.nik in text
    # Progress counted the pages of both halves, then the writing.
    layout = [page for step, page in events if step == "layout"]
    assert layout and max(layout) == 11 and layout == sorted(layout)
    assert events[-1] == ("pdf", None)


def test_the_batch_job_uses_the_parallel_path_for_a_big_batch(
    eleven, tps901, kpps, settings, spy, private_root, django_capture_on_commit_callbacks
):
    settings.LETTER_PARALLEL_MIN_LETTERS = 10
    settings.LETTER_RENDER_PROCESSES = 2
    with django_capture_on_commit_callbacks(execute=True):
        batch = service.start_letter_batch(tps=tps901, user=kpps)
    batch.refresh_from_db()
    assert batch.status == LetterBatch.Status.DONE, batch.message
    assert batch.page_count == 11
    assert spy["started"] == 2 and spy["results"][-1].processes == 2


def test_small_batches_and_a_setting_of_one_stay_in_one_process(settings):
    settings.LETTER_PARALLEL_MIN_LETTERS = 100
    settings.LETTER_RENDER_PROCESSES = 2
    assert parallel.process_count(600) == 2
    assert parallel.process_count(100) == 2
    assert parallel.process_count(99) == 1
    # No child gets more letters than its memory cap is sized for.
    assert parallel.LETTERS_PER_PROCESS_MAX == 300
    assert parallel.process_count(601) == parallel.process_count(900) == 3
    settings.LETTER_RENDER_PROCESSES = 1
    assert parallel.process_count(600) == 1
    settings.LETTER_RENDER_PROCESSES = 0
    assert parallel.process_count(600) == 1


def test_parts_are_consecutive_in_order_and_even():
    items = list(range(11))
    parts = parallel.split_evenly(items, 2)
    assert parts == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    assert sum(parallel.split_evenly(items, 3), []) == items
    assert [len(p) for p in parallel.split_evenly(list(range(600)), 2)] == [300, 300]


def test_a_child_over_its_memory_cap_fails_the_batch_and_leaves_no_file(
    eleven, tps901, kpps, settings, spy, private_root, django_capture_on_commit_callbacks
):
    settings.LETTER_PARALLEL_MIN_LETTERS = 10
    settings.LETTER_RENDER_PROCESSES = 2
    settings.LETTER_RENDER_MEMORY_MIB = 40  # not even enough to import WeasyPrint
    with django_capture_on_commit_callbacks(execute=True):
        batch = service.start_letter_batch(tps=tps901, user=kpps)
    batch.refresh_from_db()
    assert batch.status == LetterBatch.Status.FAILED
    assert not batch.file_path
    assert spy["started"] == 2
    assert list((private_root / "letters").iterdir()) == []


def test_a_child_that_fails_raises_with_its_error_and_writes_nothing(
    eleven, tps901, tmp_path, settings
):
    settings.LETTER_RENDER_MEMORY_MIB = 40
    target = tmp_path / "x.pdf"
    context = service.letters_context(tps=tps901, voters=eleven)
    with pytest.raises(parallel.PartFailed, match=r"part \d of 2 failed \(exit 1\)"):
        parallel.render_split("letters/notices.html", context, target=target, processes=2)
    assert not target.exists()


def test_no_child_outlives_the_render(eleven, tps901, tmp_path, settings, monkeypatch):
    """A parent stopped mid-render (the soft time limit) kills its children before it raises."""
    children = []
    real_start = parallel._start_children

    def start(*args, **kwargs):
        started = real_start(*args, **kwargs)
        children.extend(started)
        return started

    def interrupted(*args):
        raise KeyboardInterrupt  # stands for SoftTimeLimitExceeded, raised in the wait

    monkeypatch.setattr(parallel, "_start_children", start)
    monkeypatch.setattr(parallel, "_wait", interrupted)
    context = service.letters_context(tps=tps901, voters=eleven)
    with pytest.raises(KeyboardInterrupt):
        parallel.render_split("letters/notices.html", context, target=tmp_path / "x.pdf",
                              processes=2)
    assert len(children) == 2
    assert all(child.poll() is not None for child in children)
    assert not (tmp_path / "x.pdf").exists()


def _render_as_a_pool_process(context, target):
    import billiard

    code = 3
    try:
        assert billiard.current_process().daemon  # what a Celery prefork pool process is
        result = parallel.render_split("letters/notices.html", context, target=target,
                                       processes=2)
        code = 0 if result.pages == 11 and result.processes == 2 else 4
    finally:
        os._exit(code)


def test_the_parallel_path_works_inside_a_daemonic_celery_pool_process(eleven, tps901, tmp_path):
    """A prefork worker's pool process is daemonic, and a daemonic process may not start
    multiprocessing children; the render children are plain subprocesses, so it works there."""
    import billiard

    context = service.letters_context(tps=tps901, voters=eleven)
    target = tmp_path / "pool.pdf"
    process = billiard.get_context("fork").Process(
        target=_render_as_a_pool_process, args=(context, str(target)), daemon=True
    )
    process.start()
    process.join(120)
    assert process.exitcode == 0
    assert page_count(target.read_bytes()) == 11
