"""A PDF's page count as a reader sees it (pypdf), not as the renderer that wrote it reports."""

import io

from pypdf import PdfReader


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)
