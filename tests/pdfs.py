"""A PDF's page count as a reader sees it (pypdf), not as the renderer that wrote it reports."""

import io

from pypdf import PdfReader


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def page_texts(data: bytes) -> list[str]:
    """Each page's text as a reader extracts it, with runs of white space made one space (a
    line the renderer wrapped reads as one)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]
