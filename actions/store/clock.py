"""Time helpers: the store keeps naive UTC datetimes."""

from __future__ import annotations

from datetime import datetime, timezone


def naive_utc(moment: datetime) -> datetime:
    """The moment as a naive UTC datetime (naive input is taken as UTC already).

    Args:
        moment: an aware or naive datetime.

    Returns:
        The same instant without tzinfo.
    """
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def utcnow() -> datetime:
    """The current time as a naive UTC datetime, to the second."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def whole_months_between(start: datetime, end: datetime) -> int:
    """Calendar months from ``start`` to ``end``, rounded down (0 when end < start).

    A month has passed once the same day of month and time of day is reached;
    from Jan 31 a month passes on the last day of February at the same time or
    later only if that day-and-time comes at or after Jan 31's: it does not, so
    Jan 31 -> Feb 28 is 0 months and Jan 31 -> Mar 1 is 1.

    Args:
        start: the earlier moment (e.g. an account's creation).
        end: the later moment.

    Returns:
        The number of whole months, never negative.
    """
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if (end.day, end.time()) < (start.day, start.time()):
        months -= 1
    return max(months, 0)
