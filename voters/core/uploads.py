"""What every import of an uploaded file shares: the reader limits taken from the settings.

The readers (voters/readers/) are pure and take their limits as an argument; the services call
``xlsx_limits`` here so that the settings (XLSX_MAX_COLUMNS, XLSX_MAX_ROWS, XLSX_MAX_CELLS,
UPLOAD_READ_MEMORY_MB and, for a regency's reference DPT, REFERENCE_XLSX_MAX_CELLS and
REFERENCE_READ_MEMORY_MB) are read in one place, when a file is read.
"""

from __future__ import annotations

from django.conf import settings

from voters.readers.xlsx_guard import XlsxLimits


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
