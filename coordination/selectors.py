"""Reads reused by pages, panels and commands."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils import timezone

from coordination.models import ActionItem

if TYPE_CHECKING:
    from datetime import date

    from voters.models import Election, User


def timeline(
    election: Election, items: Iterable[ActionItem], today: date | None = None
) -> list[dict]:
    """The election's deadlines (H-30, H-7, H-3 …) and the items' due dates, in date order."""
    today = today or timezone.localdate()
    entries = [
        {
            "kind": "deadline",
            "date": day,
            "code": code,
            "label": label,
            "days": (day - today).days,
            "item": None,
        }
        for code, label, day in election.deadlines()
    ]
    entries += [
        {
            "kind": "action",
            "date": item.due_date,
            "code": "",
            "label": item.title,
            "days": (item.due_date - today).days,
            "item": item,
        }
        for item in items
    ]
    entries.sort(key=lambda e: (e["date"], e["kind"] != "deadline"))
    for entry in entries:
        item = entry["item"]
        if item is not None and item.is_overdue(today):
            entry["state"] = "overdue"
        elif item is not None and not item.is_open:
            entry["state"] = "closed"
        elif entry["days"] < 0:
            entry["state"] = "past"
        elif entry["days"] <= 7:
            entry["state"] = "soon"
        else:
            entry["state"] = ""
    return entries


def overdue_by_institution(
    items: Iterable[ActionItem], today: date | None = None
) -> list[dict]:
    """Overdue items grouped by the owning institution, the most overdue first in each group."""
    today = today or timezone.localdate()
    overdue = sorted(
        (i for i in items if i.is_overdue(today)),
        key=lambda i: (
            i.owner_institution.position,
            i.owner_institution.name,
            i.owner_institution_id,
            i.due_date,
        ),
    )
    return [
        {"institution": institution, "items": list(group)}
        for institution, group in groupby(overdue, key=lambda i: i.owner_institution)
    ]


def counts_for(user: User, today: date | None = None) -> dict:
    """Open follow-ups of the user's facilities, overdue and due within a week: one query,
    asked once per request (the dashboard's card and the home panel show the same)."""
    today = today or timezone.localdate()
    memo = user.__dict__.setdefault("_action_counts", {})
    if today not in memo:
        qs = ActionItem.objects.for_user(user).still_open()
        memo[today] = qs.aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=qs.overdue_q(today)),
            due_week=Count("pk", filter=qs.due_within_q(7, today)),
        )
    return memo[today]
