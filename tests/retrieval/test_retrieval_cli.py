from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from retrieval.cli import main
from retrieval.qa_store import QARecord, read_records, write_records

SHOP_YML = """
name: Test Shop
website_url: https://test.example
support_email: help@test.example
support_phone: +1 555 0199
support_hours: weekdays 9-17
live_chat: the chat window on our website
currency: EUR
pages: {account_settings: Account Settings, order_history: My Orders,
        contact_us: Contact Us, returns: Returns, payment_methods: Payment Methods,
        shipping_policy: Shipping}
policies: {refund_window_days: 30, refund_processing_days: 5 days,
           cancellation_fee: free before shipping, standard_delivery: 3 days,
           express_delivery: 1 day, payment_methods: [card, PayPal]}
"""


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def qa_file(tmp_path: Path, records: list[QARecord]) -> Path:
    path = tmp_path / "qa.jsonl"
    write_records(records, path)
    return path


@pytest.fixture
def index_dir(tmp_path: Path, qa_file: Path, tiny_bert_dir: Path) -> Path:
    heldout = tmp_path / "heldout.jsonl"
    heldout.write_text(
        "".join(
            json.dumps({"text": t, "intent": i, "split": s}) + "\n"
            for t, i, s in [
                ("cancel my order", "cancel_order", "validation"),
                ("where is the package", "track_order", "validation"),
                ("can you cancel order", "cancel_order", "test"),
                ("pay with card", "check_payment_methods", "test"),
            ]
        )
    )
    out = tmp_path / "idx"
    code = main(
        [
            "build",
            "--qa",
            str(qa_file),
            "--out",
            str(out),
            "--model",
            str(tiny_bert_dir),
            "--heldout",
            str(heldout),
        ]
    )
    assert code == 0
    return out


def test_content_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "shop.yml").write_text(SHOP_YML)
    qa_csv = write_csv(
        tmp_path / "qa.csv",
        [
            {
                "instruction": "cancel order 12345678",
                "intent": "cancel_order",
                "response": "Cancel order {{Order Number Anonymized}} in "
                "{{Order History}}.",
                "entity_type": "order_id",
                "entity_value": "12345678",
            },
            {
                "instruction": "refund cases",
                "intent": "get_refund",
                "response": "- {{Case 1}}",
                "entity_type": "",
                "entity_value": "",
            },
        ],
    )
    intents_csv = write_csv(
        tmp_path / "intents.csv",
        [
            {"utterance": "stop my order", "intent": "cancel_order"},
            {"utterance": "cancel order 12345678", "intent": "cancel_order"},
        ],
    )
    out, heldout = tmp_path / "qa.jsonl", tmp_path / "heldout.jsonl"
    code = main(
        [
            "content",
            "--bitext-qa",
            str(qa_csv),
            "--intents",
            str(intents_csv),
            "--shop",
            str(tmp_path / "shop.yml"),
            "--out",
            str(out),
            "--heldout-out",
            str(heldout),
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["kept"], summary["heldout"]) == (1, 1)
    [record] = read_records(out)
    assert record.answer == 'Cancel your order in "My Orders".'


def test_search_json(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert (
        main(
            [
                "search",
                "--index",
                str(index_dir),
                "--k",
                "2",
                "--json",
                "track my package",
            ]
        )
        == 0
    )
    [line] = capsys.readouterr().out.splitlines()
    result = json.loads(line)
    assert result["query"] == "track my package"
    assert len(result["hits"]) == 2
    assert set(result["hits"][0]) >= {"answer", "score", "source", "intent"}
    assert result["hits"][0]["source"] == "test:4"


def test_search_queries_file(
    tmp_path: Path, index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    queries = tmp_path / "q.txt"
    queries.write_text("cancel order\n\nreset my password\n")
    capsys.readouterr()
    assert (
        main(["search", "--index", str(index_dir), "--json", "--queries", str(queries)])
        == 0
    )
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["query"] for x in lines] == ["cancel order", "reset my password"]
    assert len(lines[0]["hits"]) == 5


def test_evaluate_add_remove(
    tmp_path: Path,
    index_dir: Path,
    tiny_bert_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    heldout = tmp_path / "heldout.jsonl"
    capsys.readouterr()
    assert main(["evaluate", "--index", str(index_dir), "--heldout", str(heldout)]) == 0
    metrics = json.loads(capsys.readouterr().out)["test"]
    assert 0.0 <= metrics["top1"] <= 1.0 and metrics["queries"] == 2
    extra = tmp_path / "extra.jsonl"
    write_records(
        [
            QARecord(
                50,
                "delete my account",
                "We can delete it.",
                "delete_account",
                "agent:T-1",
                "2024-05-01T10:00:00",
            )
        ],
        extra,
    )
    assert main(["add", "--index", str(index_dir), "--qa", str(extra)]) == 0
    assert (
        main(["add", "--index", str(index_dir), "--qa", str(extra)]) == 2
    )  # duplicate
    assert main(["remove", "--index", str(index_dir), "--id", "50"]) == 0
    assert main(["remove", "--index", str(index_dir), "--id", "50"]) == 2  # unknown


@pytest.mark.parametrize(
    "args",
    [
        ["search", "--index", "{missing}", "cancel"],
        ["search", "--index", "{index}", ""],
        ["search", "--index", "{index}", "--queries", "{missing}"],
        ["build", "--qa", "{missing}", "--out", "{tmp}/out"],
    ],
)
def test_bad_input_exits_2(
    args: list[str], tmp_path: Path, index_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    filled = [
        a.format(missing=tmp_path / "nope", index=index_dir, tmp=tmp_path) for a in args
    ]
    assert main(filled) == 2
    assert caplog.records[-1].levelname == "ERROR"
