"""School years and the window of dates the product accepts from its users.

A school year runs 1 July to 30 June and is written ``2025-2026``. Every date a person supplies
(an activity, a session, an outcome, a school year in a records file) must fall in the window
from ``EARLIEST_DAY`` (1 July 2000) to the end of the school year after the current one: far
enough back for old records, far enough ahead for planning, and never a typo such as 9999-12-31
that would otherwise become a school year of its own. The service, its pages and the records
import all check dates with these functions; the day they reckon from is passed in, and is
Mississippi's date (``today``): in the evening a UTC date is already tomorrow's there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Final
from zoneinfo import ZoneInfo

__all__ = [
    "EARLIEST_DAY",
    "TIME_ZONE",
    "date_window",
    "day_problem",
    "describe_window",
    "school_year_of",
    "school_year_problem",
    "today",
    "year_window",
]

#: The first day any date may carry (the start of school year 2000-2001).
EARLIEST_DAY: Final = date(2000, 7, 1)
#: Mississippi's time zone: "today" is reckoned in it, and pages, printed plans and code slips
#: show times in it.
TIME_ZONE: Final = ZoneInfo("America/Chicago")


def today(now: datetime | None = None) -> date:
    """Mississippi's date at ``now`` (an aware moment; the present when None), the day the
    window, the current school year and a form's default day are reckoned from."""
    return (now if now is not None else datetime.now(UTC)).astimezone(TIME_ZONE).date()


def school_year_of(day: date) -> str:
    """The school year a date falls in, e.g. 2026-03-01 -> '2025-2026' (years start 1 July)."""
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{start + 1}"


def date_window(today: date) -> tuple[date, date]:
    """First and last accepted day: 1 July 2000 to 30 June ending the school year after today's."""
    current_start = today.year if today.month >= 7 else today.year - 1
    return EARLIEST_DAY, date(current_start + 2, 6, 30)


def year_window(today: date) -> tuple[int, int]:
    """First calendar years of the earliest and latest accepted school years (inclusive)."""
    first, last = date_window(today)
    return first.year, last.year - 1


def describe_window(today: date) -> str:
    """The window in words, for messages: 'from 2000-07-01 to 2028-06-30'."""
    first, last = date_window(today)
    return f"from {first.isoformat()} to {last.isoformat()}"


def day_problem(day: date, today: date) -> str | None:
    """Why ``day`` is refused (None when it is inside the window)."""
    first, last = date_window(today)
    if first <= day <= last:
        return None
    return (
        f"{day.isoformat()} is outside the dates this service accepts "
        f"({describe_window(today)}, the end of next school year)"
    )


def school_year_problem(start_year: int, today: date) -> str | None:
    """Why the school year starting in ``start_year`` is refused (None when inside the window)."""
    first, last = year_window(today)
    if first <= start_year <= last:
        return None
    return (
        f"school year {start_year}-{start_year + 1} is outside the years this service accepts "
        f"({first}-{first + 1} to {last}-{last + 1})"
    )
