"""Rows of the e-commerce churn CSV that the demo shop is seeded from.

Pure, apart from :func:`read_churn_rows` reading the file. A :class:`ChurnRow`
holds one customer's behaviour figures, with categories in the store's
spelling (:mod:`actions.store.vocab`) and None for an empty cell.

A row can only be reproduced by the store (see the definitions in
:mod:`actions.store.features`) when :func:`inconsistency` finds nothing wrong:
Tenure, OrderCount, DaySinceLastOrder and CouponUsed present (the store cannot
hold "unknown" for a count or an account age), at least one order, the newest
order inside the 365-day window, and an account old enough to have placed it
(Tenure 0 with the newest order 29+ days ago is impossible). HourSpendOnApp,
WarehouseToHome and OrderAmountHikeFromlastYear may be missing: the store keeps
them as NULL and returns None. CashbackAmount is reproduced to the cent (the CSV
holds float noise such as 126.83000000000001).
"""

from __future__ import annotations

import calendar
import csv
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from actions.churn.features import FEATURES
from actions.store.errors import SeedDataError, SeedDataNotFoundError
from actions.store.vocab import canonical

logger = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = ("CustomerID", "Churn", *FEATURES)
ORDER_WINDOW_DAYS = 365


@dataclass(frozen=True)
class ChurnRow:
    """One customer of the churn data set (None where the CSV cell is empty)."""

    customer_ref: str
    churn: bool
    tenure: int | None
    login_device: str
    city_tier: int
    warehouse_to_home: float | None
    payment_mode: str
    gender: str
    hours_on_app: float | None
    devices_registered: int
    order_category: str
    satisfaction: int
    marital_status: str
    address_count: int
    complain: bool
    order_amount_hike: float | None
    coupons_used: int | None
    order_count: int | None
    days_since_last_order: int | None
    cashback_cents: int

    def expected_features(self) -> dict[str, object]:
        """The churn features the seeded customer must have, by column name."""
        return {
            "Tenure": self.tenure,
            "PreferredLoginDevice": self.login_device,
            "CityTier": self.city_tier,
            "WarehouseToHome": self.warehouse_to_home,
            "PreferredPaymentMode": self.payment_mode,
            "Gender": self.gender,
            "HourSpendOnApp": self.hours_on_app,
            "NumberOfDeviceRegistered": self.devices_registered,
            "PreferedOrderCat": self.order_category,
            "SatisfactionScore": self.satisfaction,
            "MaritalStatus": self.marital_status,
            "NumberOfAddress": self.address_count,
            "Complain": int(self.complain),
            "OrderAmountHikeFromlastYear": self.order_amount_hike,
            "CouponUsed": self.coupons_used,
            "OrderCount": self.order_count,
            "DaySinceLastOrder": self.days_since_last_order,
            "CashbackAmount": self.cashback_cents / 100,
        }


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` shifted by whole calendar months, the day clamped to the month."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month_index = divmod(index, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return moment.replace(
        year=year, month=month_index + 1, day=min(moment.day, last_day)
    )


def earliest_creation(tenure: int, as_of: datetime) -> datetime:
    """The earliest account creation that still has ``tenure`` whole months."""
    return add_months(as_of, -(tenure + 1)) + timedelta(days=1)


def latest_creation(tenure: int, as_of: datetime) -> datetime:
    """The latest account creation that has ``tenure`` whole months."""
    return add_months(as_of, -tenure)


def inconsistency(row: ChurnRow, as_of: datetime) -> str | None:
    """Why the store could not reproduce ``row`` as of ``as_of`` (None if it can).

    Args:
        row: a parsed CSV row.
        as_of: the moment the seeded shop describes.

    Returns:
        A short reason, or None for a usable row.
    """
    for name in ("tenure", "order_count", "days_since_last_order", "coupons_used"):
        if getattr(row, name) is None:
            return f"{name} is missing"
    assert row.tenure is not None and row.order_count is not None
    assert row.days_since_last_order is not None
    if row.order_count < 1:
        return "no order in the last year"
    if row.days_since_last_order >= ORDER_WINDOW_DAYS:
        return "newest order outside the 365-day window"
    newest_latest = as_of - timedelta(days=row.days_since_last_order + 1)
    if earliest_creation(row.tenure, as_of) > newest_latest:
        return "account too young for its newest order"
    return None


def _number(text: str, column: str, line: int) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError as error:
        raise SeedDataError(
            f"Line {line}: {column} is {text!r}, not a number; fix the churn CSV."
        ) from error
    if not math.isfinite(value):
        raise SeedDataError(f"Line {line}: {column} is {text!r}; use a finite number.")
    return value


def _whole(text: str, column: str, line: int) -> int | None:
    value = _number(text, column, line)
    if value is None:
        return None
    if not value.is_integer() or value < 0:
        raise SeedDataError(
            f"Line {line}: {column} is {text!r}; it must be a whole number >= 0."
        )
    return int(value)


def parse_row(record: dict[str, str], line: int) -> ChurnRow:
    """Parse one CSV record (as from ``csv.DictReader``).

    Args:
        record: column name -> cell text.
        line: the line number, for messages.

    Returns:
        The row.

    Raises:
        SeedDataError: a cell is not a number / known category where it must be.
    """

    def number(column: str) -> float | None:
        return _number(record[column], column, line)

    def whole(column: str) -> int | None:
        return _whole(record[column], column, line)

    def required(column: str) -> int:
        value = whole(column)
        if value is None:
            raise SeedDataError(f"Line {line}: {column} is empty; give a value.")
        return value

    def flag(column: str) -> bool:
        value = required(column)
        if value not in (0, 1):
            raise SeedDataError(f"Line {line}: {column} is {value}; use 0 or 1.")
        return bool(value)

    def category(column: str) -> str:
        try:
            return canonical(column, record[column])
        except SeedDataError as error:
            raise SeedDataError(f"Line {line}: {error}") from error

    cashback = number("CashbackAmount")
    if cashback is None or cashback < 0:
        raise SeedDataError(
            f"Line {line}: CashbackAmount is {record['CashbackAmount']!r}; it must "
            "be a number >= 0."
        )
    return ChurnRow(
        customer_ref=record["CustomerID"].strip(),
        churn=flag("Churn"),
        tenure=whole("Tenure"),
        login_device=category("PreferredLoginDevice"),
        city_tier=required("CityTier"),
        warehouse_to_home=number("WarehouseToHome"),
        payment_mode=category("PreferredPaymentMode"),
        gender=category("Gender"),
        hours_on_app=number("HourSpendOnApp"),
        devices_registered=required("NumberOfDeviceRegistered"),
        order_category=category("PreferedOrderCat"),
        satisfaction=required("SatisfactionScore"),
        marital_status=category("MaritalStatus"),
        address_count=required("NumberOfAddress"),
        complain=flag("Complain"),
        order_amount_hike=number("OrderAmountHikeFromlastYear"),
        coupons_used=whole("CouponUsed"),
        order_count=whole("OrderCount"),
        days_since_last_order=whole("DaySinceLastOrder"),
        cashback_cents=round(cashback * 100),
    )


def read_churn_rows(path: Path) -> list[ChurnRow]:
    """Read every row of a churn CSV.

    Args:
        path: the CSV file (header with every name in :data:`COLUMNS`).

    Returns:
        The rows in file order.

    Raises:
        SeedDataNotFoundError: the file does not exist.
        SeedDataError: a column is missing, a CustomerID repeats, or a cell is bad.
    """
    if not path.is_file():
        raise SeedDataNotFoundError(
            f"Churn data file {path} does not exist; it ships in data/churn/ "
            "(pass --data to use another copy)."
        )
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [
            column for column in COLUMNS if column not in (reader.fieldnames or [])
        ]
        if missing:
            raise SeedDataError(
                f"{path} lacks the column(s) {', '.join(missing)}; expected the "
                "e-commerce churn data set's header."
            )
        rows = [parse_row(record, reader.line_num) for record in reader]
    seen: set[str] = set()
    for row in rows:
        if row.customer_ref in seen:
            raise SeedDataError(
                f"{path}: CustomerID {row.customer_ref} appears twice; make IDs "
                "unique."
            )
        seen.add(row.customer_ref)
    logger.info("Read %d churn rows from %s.", len(rows), path)
    return rows
