"""Builders and fixtures shared by the coordination tests (imported by name: no conftest here)."""

import dataclasses
import datetime as dt
import io

import pytest
from PIL import Image

from coordination import figures, services
from coordination.models import ActionItem, Institution, Meeting

SEED_001_DATE = dt.date(2024, 11, 25)


def institution(facility, short_name):
    services.ensure_institutions(facility)
    return Institution.objects.get(facility=facility, short_name=short_name)


def make_meeting(facility, election, user=None, **fields):
    values = {
        "title": "Rapat Koordinasi Pemungutan dan Penghitungan Suara",
        "stage": Meeting.Stage.VOTING,
        "date": SEED_001_DATE,
        "venue": "Aula Dinas Pendidikan Kabupaten Blora",
    }
    values.update(fields)
    return services.create_meeting(
        meeting=Meeting(facility=facility, election=election, **values), user=user
    )


def make_item(meeting, owner, *, due, title="Serahkan data WBP baru", status="open", user=None):
    item = services.create_action_item(
        item=ActionItem(meeting=meeting, title=title, owner_institution=owner, due_date=due),
        user=user,
    )
    if status != "open":
        services.set_action_status(item=item, status=status, outcome="beres", user=user)
    return item


def png_bytes(size=(4, 4)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(size=(4, 4)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class FigureStandIns:
    """Replaces the provider of a declared figure (or adds one) for one test."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def register_figure(self, key, label, func, *, position=None):
        current = {f.key: f for f in figures.FIGURES}
        if key in current:
            replaced = dataclasses.replace(current[key], label=label, func=func)
            new = tuple(replaced if f.key == key else f for f in figures.FIGURES)
        else:
            added = figures.Figure(key, label, func, 500 if position is None else position)
            new = (*figures.FIGURES, added)
        self.monkeypatch.setattr(figures, "FIGURES", new)
        return func


@pytest.fixture
def figure_registry(monkeypatch):
    """Lets a test stand in for figure providers; the declared figures come back afterwards."""
    return FigureStandIns(monkeypatch)


@pytest.fixture
def meeting(blora, election, tps901, operator):
    return make_meeting(blora, election, operator)


@pytest.fixture
def rembang_meeting(rembang, election, tps_rembang, outsider):
    return make_meeting(rembang, election, outsider, title="Rapat Koordinasi Rembang")
