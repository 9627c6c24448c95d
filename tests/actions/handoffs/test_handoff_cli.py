"""``python -m actions.handoffs``: list, show and replay through main(argv)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from actions.escalation.packet import HandoffPacket
from actions.handoffs.cli import main, snippet
from actions.handoffs.spool import spool_handoff
from actions.handoffs.store import create_handoff, list_handoffs, set_status
from actions.store.db import session_scope

NOW = datetime(2024, 5, 1, 12, 0, 0)
UNREACHABLE = "postgresql+psycopg2://postgres@127.0.0.1:1/test"
REPO_ROOT = Path(__file__).resolve().parents[3]
MakePacket = Callable[..., HandoffPacket]
CUSTOMER_NAME = "Jo Example"
CUSTOMER_EMAIL = "jo.example@example.com"


@pytest.fixture
def two_handoffs(engine: Engine, make_packet: MakePacket) -> list[int]:
    """A waiting handoff of customer 42 and a closed anonymous one."""
    with session_scope(engine) as session:
        first = create_handoff(
            session=session,
            packet=make_packet(
                last_message="Mail me at jo.example@example.com\nor call me",
            ),
            key="c1:m1",
            now=NOW,
        )
        second = create_handoff(
            session=session,
            packet=make_packet(
                conversation_id="c2", customer_id=None, reason="asked_for_person"
            ),
            key="c2:m1",
            now=NOW + timedelta(minutes=1),
        )
        set_status(session=session, handoff_id=second.id, status="closed", now=NOW)
    return [first.id, second.id]


def test_list_shows_the_queue_without_names_or_emails(
    db_url: str, two_handoffs: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["list", "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    header, newest, oldest = out.splitlines()
    assert header.split() == [
        "ID", "CREATED", "STATUS", "CUSTOMER", "REASON", "RISK", "CHURN", "LAST",
    ]  # fmt: skip
    assert newest.split()[:8] == [
        str(two_handoffs[1]), "2024-05-01", "12:01", "closed", "-", "asked_for_person",
    ] + newest.split()[6:8]  # fmt: skip
    assert (
        oldest.split()[3:8] == ["waiting", "42", "risk_threshold"] + oldest.split()[6:8]
    )
    assert oldest.rstrip().endswith("Mail me at [email]")
    assert CUSTOMER_EMAIL not in out and CUSTOMER_NAME not in out
    assert "0.80" in oldest


def test_list_filters_and_prints_json(
    db_url: str, two_handoffs: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["list", "--status", "waiting", "--json", "--database-url", db_url]) == 0
    )
    (row,) = json.loads(capsys.readouterr().out)
    assert row["id"] == two_handoffs[0]
    assert row["customer_id"] == 42
    assert row["churn_probability"] == 0.8
    assert row["last_message"] == "Mail me at [email]"
    assert set(row) == {
        "id", "created_at", "status", "customer_id", "reason", "risk_score",
        "churn_probability", "last_message",
    }  # fmt: skip
    assert main(["list", "--status", "assigned", "--database-url", db_url]) == 0
    assert capsys.readouterr().out == "No assigned handoffs.\n"


def test_show_prints_the_packet_for_the_agent(
    db_url: str, two_handoffs: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", str(two_handoffs[0]), "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    for expected in (
        f"Handoff {two_handoffs[0]}: waiting (reason: risk_threshold)",
        "Customer #42: Jo Example, gold tier, 7 orders, 456.00 USD lifetime",
        "Last order ORD-10042: shipped",
        "complained recently (+0.20)",
        "complaint 0.90",
        "Suggested offer: STAY10 10% off (arm: offer)",
        "Q: Where is my parcel?",
        "shopper: Mail me at jo.example@example.com",
    ):
        assert expected in out
    assert main(["show", str(two_handoffs[1]), "--json", "--database-url", db_url]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "closed"
    assert HandoffPacket.from_dict(shown["packet"]).reason == "asked_for_person"


def test_unknown_id_exits_2(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "999", "--database-url", db_url]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "No handoff has id 999" in captured.err


@pytest.mark.parametrize("command", [["list"], ["show", "1"]])
def test_unreachable_database_exits_2(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--database-url", UNREACHABLE]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: The profile store")
    assert "is unavailable" in err and "check that the database is running" in err


def test_replay_moves_the_spool_into_the_store(
    db_url: str,
    engine: Engine,
    tmp_path: Path,
    make_packet: MakePacket,
    capsys: pytest.CaptureFixture[str],
) -> None:
    spool = tmp_path / "pending.jsonl"
    spool_handoff(spool, "s:1", make_packet(), NOW)
    spool_handoff(spool, "s:2", make_packet(), NOW)
    args = ["replay", "--spool", str(spool), "--database-url", UNREACHABLE]
    assert main(args) == 2
    assert "is unavailable" in capsys.readouterr().err
    assert spool.exists()

    assert main(["replay", "--spool", str(spool), "--database-url", db_url]) == 0
    assert "Replayed 2 spooled handoff(s)" in capsys.readouterr().out
    with session_scope(engine) as session:
        assert sorted(r.key for r in list_handoffs(session=session)) == ["s:1", "s:2"]
    assert main(["replay", "--spool", str(spool), "--database-url", db_url]) == 0
    assert capsys.readouterr().out == f"No spooled handoffs in {spool}.\n"


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["list", "--status", "lost"])
    assert caught.value.code == 2
    assert "invalid choice: 'lost'" in capsys.readouterr().err


def test_snippet_is_one_short_line() -> None:
    assert snippet(None) == ""
    assert snippet("  first line\nsecond") == "first line"
    assert len(snippet("x" * 200)) == 60 and snippet("x" * 200).endswith("\u2026")
    assert snippet("write to a.b+c@mail.example.org now") == "write to [email] now"


def test_module_entry_point(db_url: str, two_handoffs: list[int]) -> None:
    env = {**os.environ, "SHOPBOT_DATABASE_URL": db_url}
    done = subprocess.run(
        [sys.executable, "-m", "actions.handoffs", "list", "--json"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [row["id"] for row in json.loads(done.stdout)] == two_handoffs[::-1]
