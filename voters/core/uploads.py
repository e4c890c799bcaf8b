"""What every import of an uploaded file shares: the reader limits taken from the settings, and
the one exception that refuses an import.

The readers (voters/readers/) are pure and take their limits as an argument; the services call
``xlsx_limits`` here so that the settings (XLSX_MAX_COLUMNS, XLSX_MAX_ROWS, XLSX_MAX_CELLS,
UPLOAD_READ_MEMORY_MB and, for a regency's reference DPT, REFERENCE_XLSX_MAX_CELLS and
REFERENCE_READ_MEMORY_MB) are read in one place, when a file is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings

from voters.readers.tables import RowError, format_errors
from voters.readers.xlsx_guard import XlsxLimits

# Row errors written into a refusal's message; the rest are counted.
SHOWN_ERRORS = 50


def xlsx_limits(*, reference: bool = False) -> XlsxLimits:
    """How large a workbook's sheet may be and how much memory the process reading it may take,
    from the settings. ``reference``: a regency's reference DPT (more cells, more memory)."""
    return XlsxLimits(
        max_columns=settings.XLSX_MAX_COLUMNS,
        max_rows=settings.XLSX_MAX_ROWS,
        max_cells=settings.REFERENCE_XLSX_MAX_CELLS if reference else settings.XLSX_MAX_CELLS,
        memory_mb=(
            settings.REFERENCE_READ_MEMORY_MB if reference else settings.UPLOAD_READ_MEMORY_MB
        ),
    )


class ImportRejected(Exception):
    """A file (or a request) that cannot be imported; nothing was written.

    ``str()`` is the message for users. ``errors`` lists bad rows (``error_count`` counts them
    all when only the first were kept), ``reason`` is the message without the file's name,
    ``summary`` what the import found before it refused (written to the job). ``refused``
    builds the usual message: 'Berkas "…" ditolak: <reason>' and the first row errors."""

    def __init__(
        self,
        file_name: str,
        message: str,
        errors: Sequence[RowError] = (),
        *,
        reason: str | None = None,
        error_count: int = 0,
        summary: dict[str, Any] | None = None,
    ):
        self.file_name = file_name
        self.message = message
        self.reason = message if reason is None else reason
        self.errors = list(errors)
        self.error_count = error_count or len(self.errors)
        self.summary = summary or {}
        super().__init__(message)

    @classmethod
    def refused(
        cls,
        file_name: str,
        reason: str,
        *,
        errors: Sequence[RowError] = (),
        error_count: int = 0,
        summary: dict[str, Any] | None = None,
    ) -> ImportRejected:
        """'Berkas "<file_name>" ditolak: <reason>', then the first ``SHOWN_ERRORS`` row
        errors (no full NIK) and a count of the rest."""
        errors = list(errors)
        error_count = error_count or len(errors)
        message = f'Berkas "{file_name}" ditolak: {reason}'
        if errors:
            shown = errors[:SHOWN_ERRORS]
            message += "\n" + format_errors(shown)
            if error_count > len(shown):
                message += f"\n… dan {error_count - len(shown)} kesalahan lainnya"
        return cls(
            file_name,
            message,
            errors,
            reason=reason,
            error_count=error_count,
            summary=summary,
        )
