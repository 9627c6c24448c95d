"""Demo shop customers and their addresses, planned from churn rows.

Pure (draws from the plan's generator). The account is created inside the
calendar window that gives exactly Tenure months, and at least a day before
the newest order, which lies DaySinceLastOrder days (plus 2-20 hours) back.
Names and emails (@example.com) are invented (:mod:`actions.store.demo_data`);
walkthrough customers consent to personalisation unless their role is
``no_consent``, others do with probability 0.85. NumberOfAddress addresses are
planned, the default carrying CityTier and WarehouseToHome.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from actions.store import demo_data
from actions.store.churn_rows import ChurnRow, earliest_creation, latest_creation
from actions.store.clock import whole_months_between
from actions.store.errors import SeedDataError
from actions.store.seed_plan import DAY, HOUR, ShopPlan, between, duration
from actions.store.seed_selection import row_tier

_CONSENT_SHARE = 0.85


def plan_customer(
    plan: ShopPlan, row: ChurnRow, index: int, role: str | None
) -> tuple[datetime, datetime]:
    """Plan a row's customer and addresses.

    Args:
        plan: the shop being planned; the rows are appended to its tables.
        row: a churn row that :func:`actions.store.churn_rows.inconsistency`
            accepts.
        index: the customer's 1-based position, which makes its email unique.
        role: its walkthrough role, None for an ordinary customer.

    Returns:
        (account creation time, time of the newest order).

    Raises:
        SeedDataError: no creation time gives the row's Tenure (a bug).
    """
    assert row.tenure is not None and row.order_count is not None
    assert row.days_since_last_order is not None and row.coupons_used is not None
    rng, as_of = plan.rng, plan.as_of
    newest_latest = as_of - timedelta(days=row.days_since_last_order)
    created_earliest = earliest_creation(row.tenure, as_of)
    room = newest_latest - DAY - created_earliest
    short = min(2 * HOUR, room)
    newest = newest_latest - duration(rng, short, min(20 * HOUR, room))
    created = between(
        rng,
        created_earliest,
        min(latest_creation(row.tenure, as_of), newest - DAY),
    )
    if whole_months_between(created, as_of) != row.tenure:
        raise SeedDataError(
            f"Row {row.customer_ref}: no creation time gives Tenure "
            f"{row.tenure} (a bug in actions.store.seed_people)."
        )
    first = rng.choice(demo_data.FIRST_NAMES[row.gender])
    last = rng.choice(demo_data.LAST_NAMES)
    if role is None:
        consent = rng.random() < _CONSENT_SHARE
    else:
        consent = role != "no_consent"
    plan.tables.customers.append(
        {
            "source_ref": row.customer_ref,
            "name": f"{first} {last}",
            "email": f"{first}.{last}.{index:04d}@example.com".lower(),
            "loyalty_tier": row_tier(row),
            "personalisation_consent": consent,
            "created_at": created,
            "gender": row.gender,
            "marital_status": row.marital_status,
            "preferred_login_device": row.login_device,
            "hours_on_app": row.hours_on_app,
            "devices_registered": row.devices_registered,
            "satisfaction_score": row.satisfaction,
            "order_amount_hike_pct": row.order_amount_hike,
        }
    )
    _plan_addresses(plan, row, created)
    return created, newest


def _plan_addresses(plan: ShopPlan, row: ChurnRow, created: datetime) -> None:
    """Plan NumberOfAddress addresses; the first is the default."""
    rng = plan.rng
    labels = list(demo_data.ADDRESS_LABELS)
    labels += [f"address {n}" for n in range(len(labels) + 1, row.address_count + 1)]
    for position in range(row.address_count):
        tier = row.city_tier if position == 0 else rng.randint(1, 3)
        city, country = rng.choice(demo_data.CITIES[tier])
        if position == 0:
            distance = row.warehouse_to_home
        else:
            distance = float(rng.randint(5, 36))
        plan.tables.addresses.append(
            {
                "customer_ref": row.customer_ref,
                "label": labels[position],
                "line1": f"{rng.randint(1, 199)} {rng.choice(demo_data.STREETS)}",
                "city": city,
                "postcode": f"{rng.randint(1000, 99999):05d}",
                "country": country,
                "city_tier": tier,
                "warehouse_distance_km": distance,
                "is_default": position == 0,
                "created_at": created
                if position == 0
                else between(rng, created, plan.as_of),
            }
        )
