"""A customer's churn-model features, computed from the profile store.

:func:`churn_features` returns a dict keyed by the churn data set's column names
(the names in ``actions.churn.features.FEATURES``), computed in one SQL
round-trip, because the bot calls it on every conversation turn. Categories use
the data set's canonical spellings (:mod:`actions.store.vocab`); an unknown
value is None. All windows end at ``as_of`` (rows after it are ignored), so the
features of a past day can be recomputed.

Definitions:

* ``Tenure``: whole calendar months from the customer's ``created_at`` to
  ``as_of`` (:func:`actions.store.clock.whole_months_between`).
* ``CityTier``, ``WarehouseToHome``: ``city_tier`` and ``warehouse_distance_km``
  of the default address (None without one, or when not geocoded).
* ``PreferredPaymentMode``: the payment method of most orders placed in the
  365 days up to ``as_of``; ties go to the one used most recently, then by name.
  None without orders in that window.
* ``PreferedOrderCat``: the category of most order lines of those orders, with
  the same tie rule.
* ``NumberOfAddress``: the customer's address count.
* ``Complain``: 1 if a ``complaint`` ticket was created in the 30 days up to
  ``as_of``, else 0.
* ``CouponUsed``: coupon redemptions in the 30 days up to ``as_of``.
* ``OrderCount``: orders (any status) placed in the 365 days up to ``as_of``.
* ``DaySinceLastOrder``: whole days (rounded down) from the newest order placed
  up to ``as_of``, of any age; None without orders.
* ``CashbackAmount``: mean ``cashback_cents`` per order over the 365-day window,
  in currency units (cents / 100); None without orders in the window.
* ``PreferredLoginDevice``, ``Gender``, ``HourSpendOnApp``,
  ``NumberOfDeviceRegistered``, ``SatisfactionScore``, ``MaritalStatus``,
  ``OrderAmountHikeFromlastYear``: the customer's columns of the same meaning
  (None when unknown).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import DateTime, Integer, bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from actions.churn.features import FEATURES
from actions.store.clock import naive_utc, whole_months_between
from actions.store.errors import CustomerNotFoundError
from actions.store.schema import (
    Address,
    CouponRedemption,
    Customer,
    Order,
    OrderItem,
    Ticket,
)

logger = logging.getLogger(__name__)

ORDER_WINDOW = timedelta(days=365)
RECENT_WINDOW = timedelta(days=30)

FEATURE_NAMES: tuple[str, ...] = FEATURES
"""The churn data set's feature columns, in its order."""


@lru_cache(maxsize=1)
def _statement() -> Select:
    """The one SELECT that gathers every feature's raw figures.

    Built once with bound parameters (``customer_id``, ``as_of``, ``year_ago``,
    ``month_ago``): building a statement this size costs more than running it.
    """
    as_of = bindparam("as_of", type_=DateTime())
    year_ago = bindparam("year_ago", type_=DateTime())
    month_ago = bindparam("month_ago", type_=DateTime())
    customer = Customer.id
    in_year = (
        Order.customer_id == customer,
        Order.placed_at >= year_ago,
        Order.placed_at <= as_of,
    )
    default = (
        select(Address.city_tier, Address.warehouse_distance_km)
        .where(Address.customer_id == customer, Address.is_default.is_(True))
        .order_by(Address.id.desc())
        .limit(1)
    )
    return select(
        Customer.created_at,
        Customer.preferred_login_device,
        Customer.gender,
        Customer.hours_on_app,
        Customer.devices_registered,
        Customer.satisfaction_score,
        Customer.marital_status,
        Customer.order_amount_hike_pct,
        default.with_only_columns(Address.city_tier).scalar_subquery(),
        default.with_only_columns(Address.warehouse_distance_km).scalar_subquery(),
        select(func.count(Address.id))
        .where(Address.customer_id == customer)
        .scalar_subquery(),
        select(func.count(Order.id)).where(*in_year).scalar_subquery(),
        select(func.sum(Order.cashback_cents)).where(*in_year).scalar_subquery(),
        select(func.max(Order.placed_at))
        .where(Order.customer_id == customer, Order.placed_at <= as_of)
        .scalar_subquery(),
        select(Order.payment_method)
        .where(*in_year)
        .group_by(Order.payment_method)
        .order_by(
            func.count(Order.id).desc(),
            func.max(Order.placed_at).desc(),
            Order.payment_method,
        )
        .limit(1)
        .scalar_subquery(),
        select(OrderItem.category)
        .join(Order, Order.id == OrderItem.order_id)
        .where(*in_year)
        .group_by(OrderItem.category)
        .order_by(
            func.count(OrderItem.id).desc(),
            func.max(Order.placed_at).desc(),
            OrderItem.category,
        )
        .limit(1)
        .scalar_subquery(),
        select(func.count(Ticket.id))
        .where(
            Ticket.customer_id == customer,
            Ticket.kind == "complaint",
            Ticket.created_at >= month_ago,
            Ticket.created_at <= as_of,
        )
        .scalar_subquery(),
        select(func.count(CouponRedemption.id))
        .where(
            CouponRedemption.customer_id == customer,
            CouponRedemption.used_at >= month_ago,
            CouponRedemption.used_at <= as_of,
        )
        .scalar_subquery(),
    ).where(Customer.id == bindparam("customer_id", type_=Integer()))


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def churn_features(
    *, session: Session, customer_id: int, as_of: datetime
) -> dict[str, object]:
    """The churn model's features of one customer, as of a moment.

    Args:
        session: an open session.
        customer_id: the customer's id.
        as_of: the moment the features describe (naive UTC or aware).

    Returns:
        A dict with every name in :data:`FEATURE_NAMES`: ints for counts, tiers
        and scores, floats for hours, distances, percentages and cashback,
        strings for categories, None where unknown (see the module docstring).

    Raises:
        CustomerNotFoundError: no customer has that id.
    """
    as_of = naive_utc(as_of)
    params = {
        "customer_id": customer_id,
        "as_of": as_of,
        "year_ago": as_of - ORDER_WINDOW,
        "month_ago": as_of - RECENT_WINDOW,
    }
    row = session.execute(_statement(), params).first()
    if row is None:
        raise CustomerNotFoundError(
            f"No customer has id {customer_id!r}; churn features need an existing "
            "customer."
        )
    (
        created_at,
        device,
        gender,
        hours,
        devices,
        satisfaction,
        marital,
        hike,
        city_tier,
        distance,
        address_count,
        order_count,
        cashback_sum,
        last_order,
        payment,
        category,
        complaints,
        coupons,
    ) = row
    if isinstance(last_order, str):  # a bare MAX() on SQLite without type info
        last_order = datetime.fromisoformat(last_order)
    days_since = (
        None
        if last_order is None
        else int((as_of - last_order).total_seconds() // 86400)
    )
    cashback = (
        None
        if not order_count or cashback_sum is None
        else int(cashback_sum) / (int(order_count) * 100)
    )
    return {
        "Tenure": whole_months_between(created_at, as_of),
        "PreferredLoginDevice": device,
        "CityTier": _int(city_tier),
        "WarehouseToHome": _float(distance),
        "PreferredPaymentMode": payment,
        "Gender": gender,
        "HourSpendOnApp": _float(hours),
        "NumberOfDeviceRegistered": _int(devices),
        "PreferedOrderCat": category,
        "SatisfactionScore": _int(satisfaction),
        "MaritalStatus": marital,
        "NumberOfAddress": int(address_count),
        "Complain": 1 if complaints else 0,
        "OrderAmountHikeFromlastYear": _float(hike),
        "CouponUsed": int(coupons),
        "OrderCount": int(order_count),
        "DaySinceLastOrder": days_since,
        "CashbackAmount": cashback,
    }
