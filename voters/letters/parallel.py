"""A big batch of letters laid out on several CPUs, joined into one PDF (issue 17).

WeasyPrint lays out in one thread, so a TPS of 600 letters keeps one CPU busy for half a
minute while the other waits. ``render_split`` cuts the template's list of letters into
``LETTER_RENDER_PROCESSES`` consecutive parts (2 by default; more when a part would exceed
``LETTERS_PER_PROCESS_MAX``), renders each part's HTML with the
same template and context, lays out and writes each part in its own **child process**, and joins
the parts' PDFs with pypdf, in order, into the target. Each letter is one page and the parts
follow the list's order, so the joined document has the same pages, in the same order, with the
same text as the one document of a single process (``tests/voters/test_letters_parallel.py``).

Why child processes started with ``python -m voters.letters.parallel`` (``subprocess``) and not
``multiprocessing``: the batch runs inside a Celery prefork worker, whose pool processes are
daemonic to billiard, and a daemonic process may not have multiprocessing children; a fork of a
worker would also inherit its database connection and broker sockets. A plain child process has
none of that: it reads its part's HTML on stdin, needs only WeasyPrint and the static-only URL
fetcher of ``voters.letters.pdf`` (Django's settings are configured with the two values that
fetcher reads, no apps, no database), and reports each page laid out on stdout, so the batch's
progress still counts pages. Each child:

- caps its own address space (``RLIMIT_AS``, ``LETTER_RENDER_MEMORY_MIB``) before it imports
  anything, so a runaway layout fails with MemoryError instead of starving the machine;
- dies with its parent (``PR_SET_PDEATHSIG``), so a worker killed at its hard time limit leaves
  no orphan; a parent that stops for any other reason (the soft time limit, an error) kills its
  children before it returns.

The parent starts the children first and renders the parts' HTML while they import WeasyPrint.
When fewer letters than ``LETTER_PARALLEL_MIN_LETTERS`` are asked for, when the setting is 1, or
when no child process can be started, the one-process path (``pdf.render_template``) runs.
"""

import contextlib
import json
import logging
import os
import resource
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

# Seconds a child may take to exit after its parent asked it to stop.
_KILL_WAIT = 5


class PartFailed(RuntimeError):
    """A child process failed to lay out or write its part; nothing was written to the target."""


@dataclass
class SplitResult:
    """What a split render wrote: the page count of the target, per part its pages, its
    child's peak resident memory and address space (MiB) and seconds, and the join's seconds."""

    pages: int
    processes: int
    parts: list = field(default_factory=list)
    join_seconds: float = 0.0
    join_tail_seconds: float = 0.0  # of which after the last part was written


# The most letters one child lays out. The memory cap is sized for it: 300 letters peak at
# 444 MiB resident and 615-688 MiB of address space (bench/README.md "Letters"), so a TPS of
# more than 600 letters gets a third child rather than children over their cap.
LETTERS_PER_PROCESS_MAX = 300


def process_count(letters: int) -> int:
    """How many processes lay out ``letters`` letters: 1 below the threshold or when the
    setting says 1, else the setting, or more when a part would exceed
    LETTERS_PER_PROCESS_MAX (never more processes than letters)."""
    from django.conf import settings

    wanted = int(getattr(settings, "LETTER_RENDER_PROCESSES", 2) or 1)
    threshold = int(getattr(settings, "LETTER_PARALLEL_MIN_LETTERS", 100))
    if wanted <= 1 or letters < max(threshold, 2):
        return 1
    return min(max(wanted, -(-letters // LETTERS_PER_PROCESS_MAX)), letters)


def split_evenly(items: list, parts: int) -> list[list]:
    """Consecutive slices of ``items``, sizes differing by at most one, in order."""
    size, extra = divmod(len(items), parts)
    out, start = [], 0
    for n in range(parts):
        end = start + size + (1 if n < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def _child_command(memory_mib: int) -> list[str]:
    from django.conf import settings

    return [
        sys.executable,
        "-m",
        "voters.letters.parallel",
        "--parent",
        str(os.getpid()),
        "--memory-mib",
        str(memory_mib),
        "--base-dir",
        str(settings.BASE_DIR),
        "--static-url",
        settings.STATIC_URL,
    ]


def _start_children(count: int, memory_mib: int, workdir: Path) -> list:
    from django.conf import settings

    env = dict(os.environ)
    root = str(settings.BASE_DIR)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    children = []
    try:
        for n in range(count):
            stderr = open(workdir / f"part{n}.err", "w+b")  # noqa: SIM115 (closed by _stop)
            try:
                child = subprocess.Popen(
                    _child_command(memory_mib),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    cwd=root,
                    env=env,
                    close_fds=True,
                )
            except OSError:
                stderr.close()
                raise
            child.stderr_file = stderr
            children.append(child)
    except OSError:
        _stop(children)
        raise
    return children


def _stop(children):
    for child in children:
        if child.poll() is None:
            child.kill()
    for child in children:
        try:
            child.wait(timeout=_KILL_WAIT)
        except subprocess.TimeoutExpired:  # pragma: no cover - a SIGKILL that did not land
            logger.error("letter render child %s did not exit", child.pid)
        for stream in (child.stdin, child.stdout, getattr(child, "stderr_file", None)):
            if stream is not None:
                with contextlib.suppress(OSError):  # a broken pipe to a dead child
                    stream.close()


def _stderr_tail(child) -> str:
    handle = child.stderr_file
    handle.flush()
    handle.seek(0)
    text = handle.read().decode("utf-8", "replace").strip()
    return text[-600:]


def _render_parts_html(template_name, context, key, parts):
    from voters.letters import pdf

    return [pdf.template_html(template_name, {**context, key: part}) for part in parts]


def _wait(children, sizes, progress, on_done=None):
    """Follow the children's reports until each has exited; returns their 'done' records.
    ``on_done(n)`` is called when part ``n`` is written (its child reported 'done')."""
    with selectors.DefaultSelector() as selector:
        buffers = {}
        for n, child in enumerate(children):
            selector.register(child.stdout, selectors.EVENT_READ, n)
            buffers[n] = b""
        laid_out = [0] * len(children)
        writing = [False] * len(children)
        done = [None] * len(children)
        open_streams = len(children)
        while open_streams:
            for key, _events in selector.select(timeout=1.0):
                n = key.data
                chunk = os.read(key.fileobj.fileno(), 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    open_streams -= 1
                    if children[n].wait() != 0:  # stop at the first failure, not after the rest
                        _raise_failed(children, n, done)
                    continue
                buffers[n] += chunk
                *lines, buffers[n] = buffers[n].split(b"\n")
                for line in lines:
                    word, _, rest = line.decode().partition(" ")
                    if word == "page":
                        laid_out[n] = min(int(rest), sizes[n])
                        if progress is not None:
                            progress("layout", sum(laid_out))
                    elif word == "pdf":
                        writing[n] = True
                        if progress is not None and all(writing):
                            progress("pdf", None)
                    elif word == "done":
                        done[n] = json.loads(rest)
                        if on_done is not None:
                            on_done(n)
    for n, child in enumerate(children):
        if child.wait() != 0 or done[n] is None:
            _raise_failed(children, n, done)
    return done


def _raise_failed(children, n, done):
    child = children[n]
    raise PartFailed(
        f"part {n + 1} of {len(children)} failed (exit {child.returncode}): "
        f"{_stderr_tail(child)}"
    )


class Joiner:
    """Joins the parts' PDFs in order, each as soon as it and the parts before it are written:
    a part that finishes first is read while the last one is still being laid out, on the CPU
    its own child has left free. Keeps pages, fonts and the first part's document information."""

    def __init__(self, paths: list):
        self.paths = [str(p) for p in paths]
        self.ready = [False] * len(paths)
        self.next = 0
        self.writer = None
        self.seconds = 0.0

    def finished(self, n: int) -> None:
        from pypdf import PdfWriter

        self.ready[n] = True
        while self.next < len(self.paths) and self.ready[self.next]:
            start = time.perf_counter()
            path = self.paths[self.next]
            if self.writer is None:
                self.writer = PdfWriter(clone_from=path)
            else:
                self.writer.append(path)
            self.seconds += time.perf_counter() - start
            self.next += 1

    def write(self, target) -> float:
        """Writes the joined document; returns the seconds this took (the join's tail)."""
        start = time.perf_counter()
        for n in range(len(self.paths)):
            if not self.ready[n]:
                self.finished(n)
        with open(target, "wb") as handle:
            self.writer.write(handle)
        tail = time.perf_counter() - start
        self.seconds += tail
        return tail


def join_pdfs(paths: list, target) -> None:
    """The PDFs at ``paths`` joined in order into ``target``."""
    Joiner(paths).write(target)


def render_split(template_name: str, context: dict, *, target, key: str = "letters",
                 progress=None, processes: int | None = None):
    """Render ``template_name`` with ``context`` to the PDF ``target``, the list
    ``context[key]`` cut into ``processes`` parts laid out in parallel. Returns a
    ``SplitResult``, or the one-process ``pdf.Rendered`` when one process is used."""
    from django.conf import settings

    from voters.letters import pdf

    items = list(context[key])
    count = process_count(len(items)) if processes is None else max(1, processes)
    if count <= 1:
        return pdf.render_template(template_name, context, progress=progress, target=str(target))
    memory_mib = int(getattr(settings, "LETTER_RENDER_MEMORY_MIB", 768))
    parts = split_evenly(items, count)
    with tempfile.TemporaryDirectory(prefix="letters-") as tmp:
        workdir = Path(tmp)
        try:
            children = _start_children(count, memory_mib, workdir)
        except OSError:
            logger.exception("letter render children could not start; one process instead")
            return pdf.render_template(
                template_name, context, progress=progress, target=str(target)
            )
        try:
            html = _render_parts_html(template_name, context, key, parts)
            outputs = [workdir / f"part{n}.pdf" for n in range(count)]
            for child, text, out in zip(children, html, outputs, strict=True):
                job = json.dumps({"target": str(out)})
                try:
                    child.stdin.write(job.encode() + b"\n" + text.encode("utf-8"))
                    child.stdin.close()
                except BrokenPipeError:
                    pass  # the child died starting up: _wait reports its exit and stderr
            joiner = Joiner(outputs)
            done = _wait(children, [len(p) for p in parts], progress, joiner.finished)
        finally:
            _stop(children)
        tail = joiner.write(target)
    return SplitResult(
        pages=sum(d["pages"] for d in done), processes=count, parts=done,
        join_seconds=joiner.seconds, join_tail_seconds=tail,
    )


# --- the child process -------------------------------------------------------------------


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent exits (no-op elsewhere)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _cap_memory(mib: int) -> None:
    if mib > 0:
        limit = mib * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _peak_address_space_mib():
    """VmPeak: what RLIMIT_AS bounds (mapped libraries and reserved arenas included)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmPeak:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:  # pragma: no cover - not Linux
        pass
    return None


def child_main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m voters.letters.parallel")
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--memory-mib", type=int, default=0)
    parser.add_argument("--base-dir", required=True)
    parser.add_argument("--static-url", required=True)
    args = parser.parse_args(argv)
    _die_with_parent(args.parent)
    _cap_memory(args.memory_mib)

    from django.conf import settings

    # Only what the static-only fetcher reads: no apps, no database, no secrets.
    settings.configure(
        BASE_DIR=Path(args.base_dir), STATIC_URL=args.static_url, USE_I18N=False,
        LOGGING_CONFIG=None,
    )
    import weasyprint  # noqa: F401 - imported while the parent renders the HTML

    from voters.letters import pdf

    out = sys.stdout

    def report(step, page):
        out.write(f"page {page}\n" if step == "layout" else "pdf\n")
        out.flush()

    stdin = sys.stdin.buffer
    job = json.loads(stdin.readline())
    html = stdin.read().decode("utf-8")
    start = time.perf_counter()
    rendered = pdf.render_html(html, progress=report, target=job["target"])
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.write("done " + json.dumps({
        "pages": rendered.pages, "peak_rss_mib": round(peak, 1), "seconds": round(seconds, 2),
        "peak_address_space_mib": _peak_address_space_mib(),
    }) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(child_main())
