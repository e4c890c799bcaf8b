"""Reads one sheet of a workbook in a process of its own, under a memory cap (SECURITY.md check 31).

python-calamine holds a whole sheet as a dense grid and, when an allocation fails, Rust aborts
the process (SIGABRT): no exception, no cleanup. So every workbook is read by a short-lived
child running this file as a script
(``python -I voters/readers/xlsx_sheet.py PATH SHEET MEMORY_MB``),
which first caps its own address space with ``RLIMIT_AS``. A hostile or merely huge sheet then
kills only the child; the web or Celery process that asked gets a clean refusal and marks the
job failed. A cap set in the Celery or gunicorn process itself would stay on that long-lived
process (and count its threads, Polars' pools and shared libraries), and Celery's
``worker_max_memory_per_child`` acts only after a task ends, too late for one allocation of
512 GiB. The child imports nothing of the project or of Django.

Output on stdout: a stream of pickles, each a tuple: ``("sheets", [names])`` first, then
``("rows", [(row_number, [cells...]), ...])`` batches, then ``("end",)``; or ``("error",
code)`` with code ``open``, ``sheet`` or ``memory``. The parent unpickles with a restricted
unpickler (``tables._ChildRows``): cells are str, int, float, bool, None and datetime values.
"""

import pickle
import resource
import sys
from typing import Any

BATCH = 2000


def _emit(message: tuple[Any, ...]) -> None:
    pickle.dump(message, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)


def main(path: str, sheet_index: int, memory_mb: int) -> int:
    """Send the workbook's worksheet names, then the rows of sheet ``sheet_index`` (none when
    there is no such sheet), under an address space of ``memory_mb``. Always returns 0: every
    failure is a message the parent reads."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        from python_calamine import CalamineWorkbook, SheetTypeEnum

        try:
            workbook = CalamineWorkbook.from_path(path)
            names = [
                sheet.name
                for sheet in workbook.sheets_metadata
                if sheet.typ == SheetTypeEnum.WorkSheet
            ]
        except MemoryError:
            raise
        except Exception:  # calamine raises several error types for a broken workbook
            _emit(("error", "open"))
            return 0
        _emit(("sheets", names))
        if sheet_index < len(names):
            try:
                sheet = workbook.get_sheet_by_name(names[sheet_index])
                batch = []
                # iter_rows starts at the sheet's first row, so position + 1 is the row number.
                for number, cells in enumerate(sheet.iter_rows(), 1):
                    batch.append((number, cells))
                    if len(batch) >= BATCH:
                        _emit(("rows", batch))
                        batch = []
                if batch:
                    _emit(("rows", batch))
            except MemoryError:
                raise
            except Exception:  # calamine raises several error types for a broken sheet
                _emit(("error", "sheet"))
                return 0
        _emit(("end",))
    except MemoryError:
        _emit(("error", "memory"))
    except BrokenPipeError:  # the parent stopped reading (it found what it needed)
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
