from __future__ import annotations

import re
from pathlib import Path

import pytest

from actions.errors import ShopConfigError, ShopConfigNotFoundError
from actions.shop import NEUTRAL_SHOP, ShopConfig
from retrieval.content import (
    build_bitext_records,
    fill_answer,
    split_heldout,
    unfillable_placeholders,
)
from retrieval.errors import ContentError
from retrieval.qa_store import read_records
from retrieval.shop import load_shop_info

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "Log in to your {{Website Name}} account.",
            "Log in to your Test Shop account.",
        ),
        ("Visit our {{Website Name}} today.", "Visit the Test Shop website today."),
        ("Call {{Customer Support Phone Number}}.", "Call +1 555 0199."),
        (
            "We are available {{Customer Support Hours}}.",
            "We are available weekdays 9-17.",
        ),
        ("Write to {{Customer Support Email}}.", "Write to help@test.example."),
        ("Go to the {{Order History}} section.", 'Go to the "My Orders" section.'),
        ("Click {{Cancel Order}}.", 'Click "Cancel Order".'),
        ('Click "{{Cancel Order}}".', 'Click "Cancel Order".'),
        ("Use {{Live Chat}} on our website.", "Use the chat window on our website."),
        ("Refunds within {{number of days}} days.", "Refunds within 30 days."),
        ("Paid in {{number of days}} business days.", "Paid in 5-10 business days."),
        ("Reach us via [Customer Support Phone Number].", "Reach us via +1 555 0199."),
        ("Open the {{billing section}}.", "Open the billing section."),
        ("Line one.\r\n\r\n2. Two.\r\n", "Line one.\n\n2. Two."),
    ],
)
def test_fill_answer(raw: str, expected: str, shop: ShopConfig) -> None:
    assert fill_answer(raw, shop) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "You want to cancel order number {{Order Number Anonymized}}.",
        "Locate the order with the number {{Purchase ID Anonymized}}.",
        "I see you want to cancel purchase 00123842 today.",
        'Enter the invoice number "#00108" in the search field.',
        "Your order {{113542617735902}} is on its way.",
        "Find invoice #{{Invoice Number Anonymized}} in your account.",
    ],
)
def test_identifiers_never_leak(raw: str, shop: ShopConfig) -> None:
    filled = fill_answer(raw, shop)
    assert not re.search(r"\d{3,}", filled), filled
    assert "{{" not in filled and "\x00" not in filled
    assert re.search(r"\byour (order|purchase|invoice|bill)\b|the order\b", filled)


def test_entities_from_the_question_are_rewritten(shop: ShopConfig) -> None:
    name = fill_answer(
        "You need the bill from Mr. Jones.",
        shop,
        entity_type="person_name",
        entity_value="Mr. Jones",
    )
    assert name == "You need the bill from the person you mentioned."
    city = fill_answer(
        "We ship to Valencia.",
        shop,
        entity_type="delivery_city",
        entity_value="Valencia",
    )
    assert city == "We ship to your city."
    money = fill_answer("You expect a refund of $1499 (in this case, $1499).", shop)
    assert money == "You expect your refund."


def test_unfillable_slots_are_refused(shop: ShopConfig) -> None:
    raw = "Refunds apply in: - {{Case 1}} - {{Case 2}}. Reply within [Response Time]."
    assert unfillable_placeholders(raw) == ["Case 1", "Case 2", "Response Time"]
    with pytest.raises(ContentError, match="Case 1"):
        fill_answer(raw, shop)


def test_build_records_drops_unfillable_and_keeps_ids(shop: ShopConfig) -> None:
    rows = [
        {
            "instruction": "cancel order 123456",
            "response": "Call {{Phone}}.",
            "intent": "cancel_order",
        },
        {
            "instruction": "refund cases",
            "response": "- {{Case 1}}",
            "intent": "get_refund",
        },
        {
            "instruction": "pay",
            "response": "See {{Payment Methods}}.",
            "intent": "check_payment_methods",
        },
    ]
    records, report = build_bitext_records(rows, shop)
    assert [r.id for r in records] == [1, 3]
    assert [r.source for r in records] == ["bitext:1", "bitext:3"]
    assert records[0].answer == "Call phone (+1 555 0199)."
    assert (report.rows, report.kept, report.dropped["unfillable placeholder"]) == (
        3,
        2,
        1,
    )


def test_build_records_rejects_wrong_file(shop: ShopConfig) -> None:
    with pytest.raises(ContentError, match="lacks \\['instruction', 'response'\\]"):
        build_bitext_records([{"utterance": "hi", "intent": "greet"}], shop)


def test_split_heldout_excludes_indexed_and_is_stratified() -> None:
    rows = [
        {"utterance": f"q{i} about {intent}", "intent": intent}
        for intent in ("a", "b")
        for i in range(10)
    ]
    rows.append({"utterance": "Q0 ABOUT a", "intent": "a"})  # repeat
    queries = split_heldout(rows, ["q1 about a"])
    assert "q1 about a" not in {q.text for q in queries}
    assert len(queries) == 19
    for intent in ("a", "b"):
        splits = [q.split for q in queries if q.intent == intent]
        assert abs(splits.count("validation") - splits.count("test")) <= 1
    assert queries == split_heldout(rows, ["q1 about a"])


def test_split_heldout_rejects_bad_rows() -> None:
    with pytest.raises(ContentError, match="Intent row 1"):
        split_heldout([{"utterance": "", "intent": "a"}], [])


def test_shop_config_missing_key_named(tmp_path: Path) -> None:
    path = tmp_path / "shop.yml"
    text = (REPO / "shop.yml").read_text(encoding="utf-8")
    path.write_text(text.replace("  returns: Returns & Refunds\n", ""))
    with pytest.raises(ContentError, match="missing key 'returns'") as info:
        load_shop_info(path)
    assert isinstance(info.value.__cause__, ShopConfigError)


def test_shop_config_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / "shop.yml"
    path.write_text("name: [unclosed")
    with pytest.raises(ContentError, match="not valid UTF-8 YAML") as info:
        load_shop_info(path)
    assert isinstance(info.value.__cause__, ShopConfigError)
    with pytest.raises(ContentError, match="Cannot read shop config") as info:
        load_shop_info(tmp_path / "missing.yml")
    assert isinstance(info.value.__cause__, ShopConfigNotFoundError)


def test_neutral_shop_cannot_fill_answers() -> None:
    with pytest.raises(ContentError, match="refund window"):
        fill_answer("Call {{Customer Support Phone Number}}.", NEUTRAL_SHOP)


def test_repository_shop_file_is_complete() -> None:
    assert load_shop_info(REPO / "shop.yml").name


def test_committed_qa_pairs_have_no_placeholders_or_numbers() -> None:
    records = read_records(REPO / "data" / "qa" / "qa_pairs.jsonl")
    assert len(records) > 4000
    for record in records:
        assert "{{" not in record.answer and "}}" not in record.answer, record.source
        assert not re.search(r"\[[A-Z][^\]]*\]", record.answer), record.source
        assert not re.search(r"\d{5,}|[$€£]\s?\d", record.answer), record.source
        assert "\r" not in record.answer, record.source
