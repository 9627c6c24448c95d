"""Turn Bitext support Q/A rows into answers a shopper may see (pure functions).

Bitext answers hold ``{{Placeholder}}`` slots and echo the asker's order numbers,
names, cities and amounts. :func:`fill_answer` fills shop details from
:class:`~actions.shop.ShopConfig`, rewrites identifiers to "your order" (so no one
sees another customer's number) and turns the remaining slots, which name buttons
and menu entries, into quoted labels. Answers whose slots stand for content the shop
has not written (for example ``{{Case 1}}``, ``{{Response Time}}``) cannot be filled
honestly: :func:`unfillable_placeholders` finds them and the record is left out.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from actions.shop import ShopConfig
from retrieval.errors import ContentError
from retrieval.qa_store import QARecord

logger = logging.getLogger(__name__)

BITEXT_CREATED_AT = "2023-09-01T00:00:00+00:00"
PLACEHOLDER_RE = re.compile(r"\{\{([^{}]*)\}\}")

# Slots that stand for shop content nobody wrote (lists of cases, response times...).
_UNFILLABLE_RE = re.compile(
    r"^(?:case \d+|situation \d+|review website \d+|claim details|complaint details"
    r"|response time|operating hours (?:weekdays|weekends|holidays)"
    r"|provide instructions.*|list of .*|additional .*|situations where .*"
    r"|specific situations .*|x to y|continue answering.*)$"
)
# Some answers write slots as [Slot Name] instead of {{Slot Name}}.
_BRACKETED_SLOT_RE = re.compile(r"\[(\{\{[^{}\n]*\}\})\]")
_BRACKET_SLOT_RE = re.compile(r"\[([A-Z][^\[\]\n]{2,60})\]")

_SENTINEL = "\x00"
_ID_KINDS = ("order", "purchase", "bill", "invoice")
_ID_PLACEHOLDER_RE = re.compile(
    r"([\"']?)#?\{\{(?:(?:purchase|order|bill|invoice)\s+(?:id|number)\s+anonymized"
    r"|[0-9]{5,}|[0-9A-F]{16,})\}\}\1",
    re.IGNORECASE,
)
_BARE_ID_RE = re.compile(r"([\"']?)(?:#\d{3,}\b|\b\d{5,}\b)\1")
_MONEY = (
    r"[$€£]\s?\d[\d,.]*\d|[$€£]\d"
    r"|\b\d[\d,.]*\s?(?:dollars|euros?|usd|eur|bucks|pounds|gbp)\b"
)
_MONEY_PHRASE_RE = re.compile(
    r"\b(?:a|an|the|your)\s+(refund|reimbursement|rebate|restitution|compensation"
    r"|reimbursment)\s+of\s+(?:" + _MONEY + r")",
    re.IGNORECASE,
)
_MONEY_AMOUNT_RE = re.compile(r"\bthe amount of\s+(?:" + _MONEY + r")", re.IGNORECASE)
_MONEY_PAREN_RE = re.compile(r"\s*\((?:in this case,\s*)?(?:" + _MONEY + r")\)")
_MONEY_RE = re.compile(_MONEY, re.IGNORECASE)

# "...the order with the number <id>" -> "...the order"
_ID_WITH_RE = re.compile(
    r"\s+(?:with|labell?ed with|identified as|associated with|under|having)\s+"
    r"(?:the\s+)?(?:specific\s+)?(?:(?:reference|order|purchase|bill|invoice)\s+)?"
    r"(?:number|id|no\.?)\s*:?\s*" + _SENTINEL + r"(\w+)" + _SENTINEL,
    re.IGNORECASE,
)
# "the order number <id>" / "cancel purchase <id>" -> "your order" / "your purchase"
_ID_NOUN_RE = re.compile(
    r"\b(?:(?:the|your|a)\s+)?(?:specific\s+)?(purchase order|order|purchase|bill"
    r"|invoice)\s+(?:(?:reference|order|purchase)\s+)?(?:(?:number|id|no\.?)\s*)?:?\s*"
    + _SENTINEL
    + r"(\w+)"
    + _SENTINEL,
    re.IGNORECASE,
)
_ID_LEFT_RE = re.compile(
    r"\b(?:(?:the|your)\s+)?(?:reference\s+)?(?:number|id)?,?\s*([\"']?)"
    + _SENTINEL
    + r"(\w+)"
    + _SENTINEL
    + r"([,.]?)\1",
    re.IGNORECASE,
)

_WEBSITE_NAMES = (
    "website name|website|website name anonymized|website/app name|website or app"
)
_WEBSITE_RE = re.compile(
    r"(?:\b(our|the)\s+)?\{\{(?:" + _WEBSITE_NAMES + r")\}\}"
    r"(\s+(?:website|site|platform|account|app|web\s?site))?",
    re.IGNORECASE,
)
_CHAT_RE = re.compile(
    r"(?:\b(?:the|our)\s+)?\{\{(?:live chat|live chat anonymized|chat)\}\}"
    r"(?:\s+(?:feature|option|support|service|function))?"
    r"(?:\s+(?:located\s+|available\s+)?(?:on|via|through|at)\s+(?:our|the)\s+"
    r"(?:website|platform|\{\{(?:" + _WEBSITE_NAMES + r")\}\}(?:\s+website)?))?",
    re.IGNORECASE,
)
_HOURS_RANGE_RE = re.compile(
    r"(?:from\s+)?\{\{[^{}]*start time\}\}\s+to\s+\{\{[^{}]*end time\}\}",
    re.IGNORECASE,
)
_DAYS_PROCESSING_RE = re.compile(
    r"\{\{(?:number of days|refund processing time(?: frame)?)\}\}\s+business days",
    re.IGNORECASE,
)
_DAYS_WINDOW_RE = re.compile(
    r"\{\{(?:number of days|refund period)\}\}(\s*-?\s*days?)", re.IGNORECASE
)
_NAME_FIELD_RE = re.compile(r",?\s*\{\{name field anonymized\}\}", re.IGNORECASE)


_CHANNELS = "{chat}, phone ({phone}) or email ({email})"
# Lower-case slot name -> template over the shop's details; "Q:" marks a page label
# that gets quotes unless the answer already quotes it.
_SLOTS: dict[str, str] = {
    "company name": "{name}",
    "mobile app name": "the {name} app",
    "website url": "{url}",
    "company website": "{url}",
    "service website": "{url}",
    "customer support phone number": "{phone}",
    "customer support phone number anonymized": "{phone}",
    "support phone number": "{phone}",
    "customer service phone number": "{phone}",
    "complaint phone number": "{phone}",
    "customer assistance phone number": "{phone}",
    "phone number": "phone ({phone})",
    "phone": "phone ({phone})",
    "phone call": "phone ({phone})",
    "phone support": "phone ({phone})",
    "email": "email ({email})",
    "email address": "email ({email})",
    "email support": "email ({email})",
    "customer support email": "{email}",
    "customer support email address": "{email}",
    "customer service email": "{email}",
    "customer service email address": "{email}",
    "support email": "{email}",
    "support email address": "{email}",
    "feedback email address": "{email}",
    "complaint email address": "{email}",
    "customer support email or phone number": "{email} or {phone}",
    "customer support contact information": "{email} or {phone}",
    "customer support availability": "{hours}",
    "customer support availability anonymized": "{hours}",
    "customer support hours": "{hours}",
    "customer service hours": "{hours}",
    "support team availability": "{hours}",
    "operating hours": "{hours}",
    "customer assistance hours": "{hours}",
    "business hours": "{hours}",
    "support channel": _CHANNELS,
    "customer support channel": _CHANNELS,
    "number of days": "{refund_window_days}",
    "refund period": "{refund_window_days} days",
    "refund timeframe": "{refund_window_days} days",
    "refund processing time": "{refund_processing_days}",
    "refund processing time frame": "{refund_processing_days}",
    "percentage or full": "full",
    "percentage": "partial",
    "order number": "your order number",
    "tracking number": "your tracking number",
    "purchase date anonymized": "the date of your purchase",
    "payment method anonymized": "the payment method you used",
}
_PAGE_SLOTS: dict[str, str] = {
    **dict.fromkeys(
        ("contact us", "contact page", "contact", "contact support"), "contact_us"
    ),
    **dict.fromkeys(
        (
            "account settings",
            "profile",
            "account",
            "my account",
            "account details",
            "account information",
            "account portal",
            "account summary",
        ),
        "account_settings",
    ),
    **dict.fromkeys(
        (
            "order history",
            "my orders",
            "order details",
            "purchase history",
            "purchases",
            "order status",
            "order tracking",
            "track order",
            "track my order",
            "order management",
        ),
        "order_history",
    ),
    **dict.fromkeys(
        (
            "payment methods",
            "payment options",
            "accepted payment options",
            "payment modalities",
            "payment preferences",
            "payment settings",
        ),
        "payment_methods",
    ),
    **dict.fromkeys(
        (
            "refunds",
            "returns",
            "refund policy",
            "refund policy page",
            "cancellation policy",
        ),
        "returns",
    ),
    **dict.fromkeys(
        ("delivery options", "shipping options", "shipment options"), "shipping_policy"
    ),
}


@dataclass(frozen=True)
class HeldoutQuery:
    """An utterance kept out of the index to measure and calibrate retrieval."""

    text: str
    intent: str
    split: str


@dataclass
class ContentReport:
    """What :func:`build_bitext_records` kept and why it left rows out."""

    rows: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)


def unfillable_placeholders(answer: str) -> list[str]:
    """Return the slots of ``answer`` that stand for content the shop never wrote.

    Args:
        answer: A raw Bitext answer.

    Returns:
        The slot names (without braces), in order of appearance; empty when every
        slot can be filled or rewritten.
    """
    return [
        name
        for name in PLACEHOLDER_RE.findall(_normalise_slots(answer))
        if _UNFILLABLE_RE.match(name.strip().lower())
    ]


def fill_answer(
    answer: str, shop: ShopConfig, *, entity_type: str = "", entity_value: str = ""
) -> str:
    """Fill or rewrite every ``{{slot}}`` and identifier in a Bitext answer.

    Args:
        answer: The raw answer text.
        shop: Shop details that fill contact slots, page names and policies.
        entity_type: Bitext ``entity_type`` of the row (``person_name``,
            ``delivery_city``...), whose value the answer may echo.
        entity_value: The entity's text in the customer's question.

    Returns:
        The answer with no ``{{`` left, no order/invoice number and no amount or
        name copied from the customer who asked; line ends normalised to ``\n``.

    Raises:
        ContentError: When the answer holds an unfillable slot (see
            :func:`unfillable_placeholders`), or holds a slot and ``shop`` has no
            refund window in days (:data:`actions.shop.NEUTRAL_SHOP`).
    """
    bad = unfillable_placeholders(answer)
    if bad:
        raise ContentError(
            f"Answer slots {bad} stand for content the shop has not written; leave the "
            "record out or write the content into shop.yml first."
        )
    text = answer.replace("\r\n", "\n").replace("\r", "\n").strip()
    text = _rewrite_entity(_normalise_slots(text), entity_type, entity_value.strip())
    text = _rewrite_money(text)
    text = _rewrite_ids(text)
    text = _fill_context_slots(text, shop)
    text = PLACEHOLDER_RE.sub(lambda m: _fill_slot(m, shop), text)
    text = _tidy(text)
    if "{{" in text or "}}" in text or _SENTINEL in text:
        i = min(
            p
            for p in (text.find("{{"), text.find("}}"), text.find(_SENTINEL))
            if p >= 0
        )
        raise ContentError(
            f"Placeholder left after filling: ...{text[max(0, i - 80) : i + 80]!r}..."
        )
    return text


def build_bitext_records(
    rows: Iterable[Mapping[str, str]],
    shop: ShopConfig,
    *,
    first_id: int = 1,
    created_at: str = BITEXT_CREATED_AT,
) -> tuple[list[QARecord], ContentReport]:
    """Convert Bitext Q/A rows to QA records with shop-specific answers.

    The record id is ``first_id`` plus the row's position and the source is
    ``bitext:<row number>`` (1-based, header excluded), so ids stay stable when rows
    are left out.

    Args:
        rows: CSV rows with ``instruction``, ``response``, ``intent``,
            ``entity_type`` and ``entity_value`` columns.
        shop: Shop details used to fill the answers.
        first_id: Id of the first row.
        created_at: Timestamp stored on every record.

    Returns:
        The records and a report of kept and dropped rows.

    Raises:
        ContentError: When a row lacks a required column.
    """
    records: list[QARecord] = []
    report = ContentReport()
    for position, row in enumerate(rows):
        report.rows += 1
        missing = [
            key for key in ("instruction", "response", "intent") if not row.get(key)
        ]
        if missing:
            raise ContentError(
                f"Bitext row {position + 1} lacks {missing}; is this the Q/A file "
                "(columns instruction, intent, response)?"
            )
        if unfillable_placeholders(row["response"]):
            report.dropped["unfillable placeholder"] += 1
            continue
        answer = fill_answer(
            row["response"],
            shop,
            entity_type=row.get("entity_type", "") or "",
            entity_value=row.get("entity_value", "") or "",
        )
        records.append(
            QARecord(
                id=first_id + position,
                question=row["instruction"].strip(),
                answer=answer,
                intent=row["intent"].strip(),
                source=f"bitext:{position + 1}",
                created_at=created_at,
            )
        )
        report.kept += 1
    return records, report


def split_heldout(
    rows: Iterable[Mapping[str, str]], exclude_texts: Iterable[str], *, seed: str = "qa"
) -> list[HeldoutQuery]:
    """Pick held-out queries and split them into validation and test halves.

    Utterances that also occur among the indexed questions (case-insensitive) or
    repeat within ``rows`` are dropped. Each intent's utterances are ordered by a
    seeded hash and alternately assigned, so the split is deterministic and
    stratified.

    Args:
        rows: Rows with ``utterance`` and ``intent`` columns (Bitext intent data).
        exclude_texts: Texts already in the index.
        seed: Salt of the ordering hash.

    Returns:
        Queries ordered by split, intent and hash.

    Raises:
        ContentError: When a row lacks ``utterance`` or ``intent``.
    """
    excluded = {_norm(text) for text in exclude_texts}
    by_intent: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, start=1):
        text = (row.get("utterance") or "").strip()
        intent = (row.get("intent") or "").strip()
        if not text or not intent:
            raise ContentError(f"Intent row {number} lacks utterance or intent: {row}.")
        key = _norm(text)
        if key in excluded:
            continue
        by_intent.setdefault(intent, {}).setdefault(key, text)
    queries: list[HeldoutQuery] = []
    for intent in sorted(by_intent):
        texts = sorted(
            by_intent[intent].values(),
            key=lambda t: hashlib.sha256(f"{seed}:{t}".encode()).hexdigest(),
        )
        for position, text in enumerate(texts):
            split = "validation" if position % 2 == 0 else "test"
            queries.append(HeldoutQuery(text=text, intent=intent, split=split))
    queries.sort(key=lambda q: q.split != "validation")
    return queries


def _normalise_slots(text: str) -> str:
    text = _BRACKETED_SLOT_RE.sub(r"\1", text)
    return _BRACKET_SLOT_RE.sub(r"{{\1}}", text)


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _rewrite_entity(text: str, entity_type: str, value: str) -> str:
    if not value or len(value) < 2 or value not in text:
        return text
    if entity_type == "person_name":
        text = text.replace(f'"{value}"', "their name").replace(
            f"'{value}'", "their name"
        )
        return text.replace(value, "the person you mentioned")
    if entity_type == "delivery_city":
        return re.sub(
            rf"\b{re.escape(value)}\b(?:,\s*[A-Z][a-zA-Z ]+\b)?", "your city", text
        )
    if entity_type == "delivery_country":
        return re.sub(rf"\b(?:the\s+)?{re.escape(value)}\b", "your country", text)
    return text


def _rewrite_money(text: str) -> str:
    text = _MONEY_PHRASE_RE.sub(lambda m: f"your {m.group(1).lower()}", text)
    text = _MONEY_AMOUNT_RE.sub("the amount", text)
    text = _MONEY_PAREN_RE.sub("", text)
    return _MONEY_RE.sub("the amount", text)


def _id_kind(text: str, start: int) -> str:
    window = text[max(0, start - 60) : start].lower()
    best, best_pos = "order", -1
    for kind in _ID_KINDS:
        pos = window.rfind(kind)
        if pos > best_pos:
            best, best_pos = kind, pos
    return best


def _rewrite_ids(text: str) -> str:
    def mark(match: re.Match[str]) -> str:
        return f"{_SENTINEL}{_id_kind(match.string, match.start())}{_SENTINEL}"

    text = _ID_PLACEHOLDER_RE.sub(mark, text)
    text = _BARE_ID_RE.sub(mark, text)
    text = _ID_WITH_RE.sub("", text)
    text = _ID_NOUN_RE.sub(lambda m: f"your {m.group(1).lower()}", text)
    return _ID_LEFT_RE.sub(lambda m: f"your {m.group(2)}{m.group(3)}", text)


def _values(shop: ShopConfig) -> dict[str, str]:
    days = shop.policies.refund_window_days
    if days is None:
        raise ContentError(
            f"Shop {shop.name!r} has no refund window in days (neutral wording); "
            "load a real shop.yml before building answers."
        )
    return {
        "name": shop.name,
        "url": shop.website_url,
        "phone": shop.support_phone,
        "email": shop.support_email,
        "hours": shop.support_hours,
        "chat": shop.live_chat,
        "refund_window_days": str(days),
        "refund_processing_days": shop.policies.refund_processing_time,
    }


def _fill_context_slots(text: str, shop: ShopConfig) -> str:
    values = _values(shop)

    def website(match: re.Match[str]) -> str:
        article, noun = match.group(1), (match.group(2) or "").strip().lower()
        if noun in ("account", "app"):
            return f"{(article or '').strip()} {shop.name} {noun}".strip()
        if article or noun:
            return f"the {shop.name} website"
        return shop.name

    text = _NAME_FIELD_RE.sub("", text)
    text = _HOURS_RANGE_RE.sub(values["hours"], text)
    text = _DAYS_PROCESSING_RE.sub(values["refund_processing_days"], text)
    text = _DAYS_WINDOW_RE.sub(
        lambda m: values["refund_window_days"] + m.group(1), text
    )
    text = _CHAT_RE.sub(values["chat"], text)  # first: it swallows "on our {{site}}"
    return _WEBSITE_RE.sub(website, text)


def _page_label(shop: ShopConfig, page: str) -> str:
    return str(getattr(shop.pages, page))


def _fill_slot(match: re.Match[str], shop: ShopConfig) -> str:
    raw = match.group(1).strip()
    key = raw.lower()
    if key in _SLOTS:
        return _SLOTS[key].format(**_values(shop))
    label = _page_label(shop, _PAGE_SLOTS[key]) if key in _PAGE_SLOTS else raw
    if '"' in label or not label[:1].isupper():
        return label
    before = match.string[match.start() - 1 : match.start()]
    after = match.string[match.end() : match.end() + 1]
    if before in "\"'" and before and after == before:
        return label
    return f'"{label}"'


_TIDY_RULES = (
    (re.compile(r"\b(?:the|a|an|your)\s+your\b", re.IGNORECASE), "your"),
    (re.compile(r"\b([Tt]he) the\b"), r"\1"),
    (re.compile(r"\bthe amount (restitution|refund|reimbursement|rebate)\b"), r"\1"),
    (re.compile(r"\bYour your\b"), "Your"),
    (re.compile(r"[ \t]{2,}"), " "),
    (re.compile(r"[ \t]+([,.;:!?])"), r"\1"),
    (re.compile(r"\b(on our website)(?:\s+on (?:our|the) website)+"), r"\1"),
)


def _tidy(text: str) -> str:
    for pattern, replacement in _TIDY_RULES:
        text = pattern.sub(replacement, text)
    return text
