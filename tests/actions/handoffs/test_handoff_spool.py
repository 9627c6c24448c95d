"""The outage spool: a locked or unreachable store loses and duplicates nothing."""

from __future__ import annotations

import json
import logging
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from actions.errors import StoreUnavailableError
from actions.escalation.events import TranscriptLine
from actions.escalation.packet import HandoffPacket
from actions.handoffs import spool as spool_module
from actions.handoffs.errors import HandoffInputError, SpoolError
from actions.handoffs.spool import (
    SaveResult,
    parse_line,
    pending_lines,
    rejected_path,
    replay_spool,
    save_handoff,
    spool_handoff,
)
from actions.handoffs.store import list_handoffs
from actions.store.db import engine_for, session_scope
from actions.store.schema import Handoff

NOW = datetime(2024, 5, 1, 12, 0, 0)
UNREACHABLE = "postgresql+psycopg2://postgres@127.0.0.1:1/test"
MakePacket = Callable[..., HandoffPacket]


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    """Where the spool goes (in a folder that does not exist yet)."""
    return tmp_path / "var" / "handoffs.pending.jsonl"


@contextmanager
def exclusive_lock(db_url: str) -> Iterator[None]:
    """Another connection holds BEGIN EXCLUSIVE on the SQLite file."""
    connection = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0.1)
    connection.isolation_level = None
    connection.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def _keys(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return sorted(r.key for r in list_handoffs(session=session, limit=1000))


def _rows(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.execute(select(func.count(Handoff.id))).scalar_one())


def test_spool_appends_private_durable_lines(
    spool: Path, make_packet: MakePacket
) -> None:
    packet = make_packet()
    spool_handoff(spool, "conv-1:m1", packet, NOW)
    spool_handoff(spool, "conv-1:m2", packet, NOW + timedelta(seconds=5))
    assert stat.S_IMODE(spool.stat().st_mode) == 0o600
    lines = spool.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and pending_lines(spool) == 2
    item = parse_line(lines[1])
    assert (item.key, item.packet, item.spooled_at) == (
        "conv-1:m2",
        packet,
        NOW + timedelta(seconds=5),
    )


def test_save_stores_when_the_store_is_up(
    engine: Engine, spool: Path, make_packet: MakePacket
) -> None:
    result = save_handoff(
        engine=engine, spool_path=spool, key="k:1", packet=make_packet(), now=NOW
    )
    assert result.stored and result.handoff_id is not None
    again = save_handoff(
        engine=engine, spool_path=spool, key="k:1", packet=make_packet(), now=NOW
    )
    assert again == result
    assert not spool.exists()
    assert _rows(engine) == 1


def test_locked_database_spools_then_replays_without_duplicates(
    db_url: str, engine: Engine, spool: Path, make_packet: MakePacket
) -> None:
    with exclusive_lock(db_url):
        result = save_handoff(
            engine=engine,
            spool_path=spool,
            key="locked:1",
            packet=make_packet(),
            now=NOW,
        )
        # A retry of the same action while still locked spools the same key again.
        save_handoff(
            engine=engine,
            spool_path=spool,
            key="locked:1",
            packet=make_packet(),
            now=NOW,
        )
    assert result == SaveResult(stored=False, handoff_id=None)
    assert pending_lines(spool) == 2
    assert _rows(engine) == 0

    later = save_handoff(
        engine=engine,
        spool_path=spool,
        key="after:1",
        packet=make_packet(conversation_id="conv-2"),
        now=NOW + timedelta(minutes=1),
    )
    assert later.stored
    assert _keys(engine) == ["after:1", "locked:1"]
    assert not spool.exists()
    with session_scope(engine) as session:
        assert replay_spool(session=session, path=spool) == 0
    assert _rows(engine) == 2
    with session_scope(engine) as session:
        replayed = [r for r in list_handoffs(session=session) if r.key == "locked:1"]
    assert replayed[0].created_at == NOW  # the time it was made, not replayed


def test_lock_during_replay_keeps_the_spool(
    db_url: str, engine: Engine, spool: Path, make_packet: MakePacket
) -> None:
    spool_handoff(spool, "s:1", make_packet(), NOW)
    spool_handoff(spool, "s:2", make_packet(), NOW)
    before = spool.read_bytes()
    with exclusive_lock(db_url), pytest.raises(StoreUnavailableError, match="locked"):
        with session_scope(engine) as session:
            replay_spool(session=session, path=spool)
    assert spool.read_bytes() == before
    assert not rejected_path(spool).exists()
    with session_scope(engine) as session:
        assert replay_spool(session=session, path=spool) == 2
    assert _keys(engine) == ["s:1", "s:2"]


def test_unreachable_postgresql_spools(spool: Path, make_packet: MakePacket) -> None:
    result = save_handoff(
        engine=engine_for(UNREACHABLE),
        spool_path=spool,
        key="pg:1",
        packet=make_packet(),
        now=NOW,
    )
    assert result == SaveResult(stored=False, handoff_id=None)
    assert parse_line(spool.read_text(encoding="utf-8")).key == "pg:1"


def test_corrupt_and_refused_lines_are_kept_aside(
    engine: Engine,
    spool: Path,
    make_packet: MakePacket,
    caplog: pytest.LogCaptureFixture,
) -> None:
    spool_handoff(spool, "good:1", make_packet(), NOW)
    garbage = '{"format": 1, "key": "half'
    with spool.open("a", encoding="utf-8") as handle:
        handle.write(garbage + "\n\n")
    # Customer 999 does not exist: the store's foreign key refuses it.
    spool_handoff(spool, "orphan:1", make_packet(customer_id=999), NOW)
    spool_handoff(spool, "good:2", make_packet(), NOW)
    orphan_line = spool.read_text(encoding="utf-8").splitlines()[3]
    with caplog.at_level(logging.ERROR), session_scope(engine) as session:
        assert replay_spool(session=session, path=spool) == 2
    assert _keys(engine) == ["good:1", "good:2"]
    assert not spool.exists()
    rejected = rejected_path(spool)
    assert rejected.read_text(encoding="utf-8").splitlines() == [garbage, orphan_line]
    assert stat.S_IMODE(rejected.stat().st_mode) == 0o600
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("line 2 is unreadable" in m for m in messages)
    assert any("refused spooled handoff 'orphan:1'" in m for m in messages)


def test_lines_added_during_a_replay_stay(spool: Path, make_packet: MakePacket) -> None:
    for key in ("a", "b", "c"):
        spool_handoff(spool, key, make_packet(), NOW)
    a, b, c = spool.read_text(encoding="utf-8").splitlines()
    spool_handoff(spool, "d", make_packet(), NOW)  # appended after the replay read
    spool_module._settle(spool, stored=[a, c], rejected=[])
    assert [parse_line(line).key for line in spool.read_text().splitlines()] == [
        "b",
        "d",
    ]
    assert stat.S_IMODE(spool.stat().st_mode) == 0o600


def test_unusual_text_survives_the_spool(
    engine: Engine, spool: Path, make_packet: MakePacket
) -> None:
    odd = 'line\u2028separator, quote " and emoji \U0001f620\nnew line'
    packet = make_packet(
        transcript=[TranscriptLine("shopper", odd, None)], last_message=odd
    )
    spool_handoff(spool, "odd:1", packet, NOW)
    with session_scope(engine) as session:
        assert replay_spool(session=session, path=spool) == 1
    with session_scope(engine) as session:
        (record,) = list_handoffs(session=session)
    assert record.packet.transcript[0].text == odd


def test_unwritable_spool_is_a_clear_error(
    tmp_path: Path, make_packet: MakePacket
) -> None:
    folder = tmp_path / "is-a-directory"
    folder.mkdir()
    with pytest.raises(SpoolError, match="Could not write handoff 'k:1'") as caught:
        spool_handoff(folder, "k:1", make_packet(), NOW)
    assert isinstance(caught.value, OSError)
    with pytest.raises(SpoolError):
        save_handoff(
            engine=engine_for(UNREACHABLE),
            spool_path=folder,
            key="k:1",
            packet=make_packet(),
            now=NOW,
        )


def test_bad_key_is_refused_before_spooling(
    spool: Path, make_packet: MakePacket
) -> None:
    with pytest.raises(HandoffInputError, match="key is ''"):
        save_handoff(
            engine=engine_for(UNREACHABLE),
            spool_path=spool,
            key="",
            packet=make_packet(),
            now=NOW,
        )
    assert not spool.exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[1, 2]", "JSON object"),
        ('{"format": 2}', "unknown spool format 2"),
        ('{"format": 1, "spooled_at": "2024-01-01"}', "no key"),
        ('{"format": 1, "key": "k"}', "no spooled_at"),
        ('{"format": 1, "key": "k", "spooled_at": "2024-01-01"}', "no packet"),
        ('{"format": 1, "key": "k", "spooled_at": "x", "packet": {}}', "no 'schema"),
    ],
)
def test_parse_line_explains_what_is_wrong(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_line(line)
    assert json.loads(line) is not None
