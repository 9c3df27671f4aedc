"""iCalendar (RFC 5545): each item as an all-day event that re-imports in place: on its due
date, or (an overdue list) on the day of the list, where a person will see it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from .. import __version__
from ..base.i18n import _, ngettext
from ..model.labels import category_label
from ..model.records import Item
from ..query.select import days_overdue, is_overdue, last_reported
from .fields import progress_cell, status_cell

UID_DOMAIN = "circletrack"
#: An overdue event's SEQUENCE counts days from here to the list's day, so each later
#: list's events replace the earlier one's in a calendar that imported it.
SEQUENCE_EPOCH = dt.date(2000, 1, 1)
PRODID = f"-//circletrack//circletrack {__version__}//EN"


def item_uid(item: Item) -> str:
    """The event's UID: stable per item, so importing again updates instead of duplicating."""
    return f"{item.id}@{UID_DOMAIN}"


def overdue_uid(item: Item) -> str:
    """The UID of an item's overdue reminder: apart from its due-date event, so a calendar
    holding both keeps the due date where it is."""
    return f"overdue-{item.id}@{UID_DOMAIN}"


def event_description(item: Item, day: dt.date) -> str:
    """Due date, units, requirement, progress and lateness of an item, one fact per line."""
    lines = [
        _("Due: {date}").format(date=item.due.isoformat() if item.due else "—"),
        _("牵头单位 Lead: {units}").format(units="、".join(item.lead) or "—"),
        _("配合单位 Support: {units}").format(units="、".join(item.support) or "—"),
        _("进度要求 Requirement: {requirement}").format(
            requirement=item.requirement or item.deadline or "—"),
        _("Status: {status}, progress {progress}").format(status=status_cell(item),
                                                         progress=progress_cell(item)),
        _("Latest report: {date}").format(
            date=reported.isoformat() if (reported := last_reported(item)) else _("none")),
    ]
    if item.state.derived:
        lines.append(_("Derived from: {items}").format(items=", ".join(item.state.via)))
    late = days_overdue(item, day)
    if late:
        lines.append(ngettext("Overdue by {days} day as of {date}",
                              "Overdue by {days} days as of {date}", late).format(
            days=late, date=day.isoformat()))
    if item.due_changes:
        lines.append(ngettext("Due date moved {count} time: {reasons}",
                              "Due date moved {count} times: {reasons}",
                              len(item.due_changes)).format(
            count=len(item.due_changes),
            reasons="; ".join(c.reason for c in item.due_changes)))
    return "\n".join(lines)


def to_ics(items: Sequence[Item], day: dt.date, name: str,
           categories: Mapping[str, Sequence[str]] | None = None,
           overdue_on_day: bool = False) -> bytes:
    """A calendar with one all-day VEVENT on each item's due date (items without one skipped).

    DTSTAMP is the as-of date, never the clock, so the same registry and date give the
    same bytes. SEQUENCE counts the due-date moves: clients apply a re-import whose
    start date changed only when its sequence grew. `categories` maps an item id to the
    group names to file the event under (default: the item's category).

    With `overdue_on_day` (a list of what to chase), an item overdue on `day` is a reminder
    on `day` instead, its due date in the summary and the description, under its own UID
    (`overdue_uid`) with a SEQUENCE that grows with `day`: a due date years back would sit
    where nobody looks.
    """
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.timezone.utc)
    for item in items:
        if item.due is None:
            continue
        event = Event()
        reminder = overdue_on_day and is_overdue(item, day)
        start = day if reminder else item.due
        event.add("uid", overdue_uid(item) if reminder else item_uid(item))
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(days=1))
        event.add("summary", _("{id} {title} (overdue, due {due})").format(
            id=item.id, title=item.title, due=item.due.isoformat())
            if reminder else f"{item.id} {item.title}")
        event.add("description", event_description(item, day))
        event.add("sequence", (day - SEQUENCE_EPOCH).days if reminder
                  else len(item.due_changes))
        event.add("transp", "TRANSPARENT")
        if (reported := last_reported(item)) is not None:
            event.add("last-modified",
                      dt.datetime.combine(reported, dt.time(0, 0), tzinfo=dt.timezone.utc))
        groups = categories.get(item.id) if categories is not None else None
        names = list(groups) if groups else ([category_label(item.category)]
                                             if item.category else [])
        if names:
            event.add("categories", names)
        if item.state.status == "cancelled":
            event.add("status", "CANCELLED")
        calendar.add_component(event)
    return calendar.to_ical()
