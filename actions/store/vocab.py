"""Category spellings the store writes, as the churn data set spells them.

The store keeps one spelling per value (the churn model's canonical one), so
:func:`actions.store.features.churn_features` hands the model values it knows.
The source CSV also uses aliases ("CC", "COD", "Phone", "Mobile"); the seeder
maps them with :func:`canonical`.
"""

from __future__ import annotations

from actions.store.errors import SeedDataError

PAYMENT_METHODS: tuple[str, ...] = (
    "Cash on Delivery",
    "Credit Card",
    "Debit Card",
    "E wallet",
    "UPI",
)
ITEM_CATEGORIES: tuple[str, ...] = (
    "Fashion",
    "Grocery",
    "Laptop & Accessory",
    "Mobile Phone",
    "Others",
)
LOGIN_DEVICES: tuple[str, ...] = ("Computer", "Mobile Phone")
GENDERS: tuple[str, ...] = ("Female", "Male")
MARITAL_STATUSES: tuple[str, ...] = ("Divorced", "Married", "Single")

VOCABULARY: dict[str, tuple[str, ...]] = {
    "PreferredPaymentMode": PAYMENT_METHODS,
    "PreferedOrderCat": ITEM_CATEGORIES,
    "PreferredLoginDevice": LOGIN_DEVICES,
    "Gender": GENDERS,
    "MaritalStatus": MARITAL_STATUSES,
}
ALIASES: dict[str, dict[str, str]] = {
    "PreferredPaymentMode": {"CC": "Credit Card", "COD": "Cash on Delivery"},
    "PreferedOrderCat": {"Mobile": "Mobile Phone"},
    "PreferredLoginDevice": {"Phone": "Mobile Phone", "Mobile": "Mobile Phone"},
}


def canonical(column: str, value: str) -> str:
    """The store's spelling of a churn-data category value.

    Args:
        column: a churn data column in :data:`VOCABULARY`.
        value: the value as written in the CSV.

    Returns:
        The canonical spelling.

    Raises:
        SeedDataError: the value is none of the known spellings.
    """
    text = " ".join(value.split())
    by_key = {known.casefold(): known for known in VOCABULARY[column]}
    by_key.update(
        {alias.casefold(): known for alias, known in ALIASES.get(column, {}).items()}
    )
    found = by_key.get(text.casefold())
    if found is None:
        allowed = ", ".join(VOCABULARY[column] + tuple(ALIASES.get(column, {})))
        raise SeedDataError(
            f"{column} has unknown value {value!r}; expected one of {allowed}."
        )
    return found
