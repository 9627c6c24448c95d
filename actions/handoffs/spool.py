"""The outage spool: handoffs kept in a local file while the store is down.

:func:`save_handoff` is what the action calls. It stores the handoff and, when
the store is locked or unreachable, appends it to the spool instead, so nothing
is lost; the next save (or ``python -m actions.handoffs replay``) moves spooled
handoffs into the store.

The spool is JSON Lines, one handoff a line::

    {"format": 1, "key": "...", "spooled_at": "2024-05-01T10:00:00+00:00",
     "packet": {...}}

It holds customer data, so it is created with mode 0600, and every append is
flushed and fsynced. Writers and the replay take an exclusive ``flock`` on
``<spool>.lock``, so appends never interleave with a rewrite. A replay removes
only the lines whose handoff is committed (rewriting through a temporary file
and a rename); a line that cannot be read, or that the store rejects, moves to
``<spool>.rejected`` with a logged error, never silently dropped.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from actions.errors import StoreUnavailableError
from actions.escalation.errors import PacketError
from actions.escalation.packet import HandoffPacket
from actions.handoffs.errors import HandoffInputError, SpoolError
from actions.handoffs.store import check_handoff, create_handoff, naive_utc
from actions.store.db import session_scope

logger = logging.getLogger(__name__)

SPOOL_FORMAT = 1
REJECTED_SUFFIX = ".rejected"
LOCK_SUFFIX = ".lock"
FILE_MODE = 0o600


@dataclass(frozen=True)
class SaveResult:
    """What :func:`save_handoff` did.

    Attributes:
        stored: True when the handoff is in the store, False when spooled.
        handoff_id: its id in the store, None when spooled.
    """

    stored: bool
    handoff_id: int | None = None


@dataclass(frozen=True)
class SpooledHandoff:
    """One readable spool line."""

    key: str
    packet: HandoffPacket
    spooled_at: datetime


def rejected_path(path: Path) -> Path:
    """Where the unreadable or refused lines of spool ``path`` are kept."""
    return path.with_name(path.name + REJECTED_SUFFIX)


def spool_handoff(path: Path, key: str, packet: HandoffPacket, now: datetime) -> None:
    """Append a handoff to the spool, durably (flush + fsync).

    Args:
        path: the spool file (created with mode 0600, parent folders too).
        key: the handoff's idempotency key.
        packet: the handoff packet.
        now: when the handoff was made (becomes its ``created_at`` on replay).

    Raises:
        SpoolError: the file cannot be written; the handoff was not saved.
    """
    moment = naive_utc(now).replace(tzinfo=timezone.utc)
    record = {
        "format": SPOOL_FORMAT,
        "key": key,
        "spooled_at": moment.isoformat(),
        "packet": packet.to_dict(),
    }
    line = json.dumps(record, ensure_ascii=False) + "\n"
    try:
        with _locked(path):
            _append(path, [line])
    except OSError as error:
        raise SpoolError(
            f"Could not write handoff '{key}' to the spool '{path}' ({error}); "
            "check that its folder exists and is writable (SHOPBOT_HANDOFF_SPOOL)."
        ) from error
    logger.warning("Spooled handoff '%s' to '%s'.", key, path)


def pending_lines(path: Path) -> int:
    """How many handoffs wait in the spool (0 when the file does not exist)."""
    return len(_read_lines(path)) if path.exists() else 0


def replay_spool(*, session: Session, path: Path) -> int:
    """Move spooled handoffs into the store.

    Each handoff is committed on its own (this function commits ``session``)
    before its line leaves the spool, so an outage half-way loses nothing and
    keeps the rest for later; keys make a second replay of the same line
    harmless. Unreadable lines, and lines the store refuses (a constraint
    violation), move to :func:`rejected_path` with a logged error.

    Args:
        session: an open session on the store.
        path: the spool file.

    Returns:
        How many spooled handoffs are now in the store (new or already there).

    Raises:
        SpoolError: the spool cannot be read or rewritten.
        sqlalchemy.exc.OperationalError: the store failed (``session_scope``
            turns it into StoreUnavailableError); the lines not yet stored stay.
    """
    try:
        with _locked(path):
            lines = _read_lines(path) if path.exists() else []
    except OSError as error:
        raise SpoolError(
            f"Could not read the handoff spool '{path}' ({error})."
        ) from error
    stored: list[str] = []
    rejected: list[str] = []
    try:
        for number, line in enumerate(lines, start=1):
            try:
                item = parse_line(line)
            except ValueError as error:
                logger.error(
                    "Spool '%s' line %d is unreadable (%s); moved to '%s'.",
                    path,
                    number,
                    error,
                    rejected_path(path),
                )
                rejected.append(line)
                continue
            try:
                create_handoff(
                    session=session,
                    packet=item.packet,
                    key=item.key,
                    now=item.spooled_at,
                )
                session.commit()
            except (IntegrityError, DataError, HandoffInputError) as error:
                session.rollback()
                logger.error(
                    "The store refused spooled handoff '%s' (%s); moved to '%s'.",
                    item.key,
                    error,
                    rejected_path(path),
                    exc_info=True,
                )
                rejected.append(line)
                continue
            stored.append(line)
    finally:
        if stored or rejected:
            _settle(path, stored, rejected)
    if stored:
        logger.info("Replayed %d spooled handoff(s) from '%s'.", len(stored), path)
    return len(stored)


def save_handoff(
    *,
    engine: Engine,
    spool_path: Path,
    key: str,
    packet: HandoffPacket,
    now: datetime,
) -> SaveResult:
    """Store a handoff, or spool it when the store is locked or unreachable.

    Spooled handoffs are replayed first, so they keep their order. A spool that
    cannot be replayed (unreadable file) is logged and does not stop this one.

    Args:
        engine: the store's engine.
        spool_path: the spool file (``settings.handoff_spool``).
        key: the idempotency key.
        packet: the handoff packet.
        now: when the handoff is made.

    Returns:
        Whether it was stored, and its id.

    Raises:
        SpoolError: the store is down AND the spool cannot be written: the
            handoff is lost, and the action must say so.
        HandoffInputError: the key or conversation id is unusable.
    """
    check_handoff(packet=packet, key=key)
    try:
        if spool_path.exists():
            try:
                with session_scope(engine) as session:
                    replay_spool(session=session, path=spool_path)
            except SpoolError:
                logger.exception("Could not replay the handoff spool '%s'.", spool_path)
        with session_scope(engine) as session:
            record = create_handoff(session=session, packet=packet, key=key, now=now)
        return SaveResult(stored=True, handoff_id=record.id)
    except StoreUnavailableError as error:
        logger.warning(
            "Store unavailable for handoff '%s' (%s); spooling it.", key, error
        )
        spool_handoff(spool_path, key, packet, now)
        return SaveResult(stored=False, handoff_id=None)


def parse_line(line: str) -> SpooledHandoff:
    """Read one spool line.

    Raises:
        ValueError: it is not a spooled handoff (bad JSON, missing field, bad
            packet); :class:`PacketError` for packet problems.
    """
    data: Any = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError(
            f"a spool line must be a JSON object, not {type(data).__name__}"
        )
    if data.get("format") != SPOOL_FORMAT:
        raise ValueError(f"unknown spool format {data.get('format')!r}")
    key = data.get("key")
    if not isinstance(key, str) or not key:
        raise ValueError("the spool line has no key")
    spooled_at = data.get("spooled_at")
    if not isinstance(spooled_at, str):
        raise ValueError("the spool line has no spooled_at time")
    if "packet" not in data:
        raise PacketError("the spool line has no packet")
    return SpooledHandoff(
        key=key,
        packet=HandoffPacket.from_dict(data["packet"]),
        spooled_at=naive_utc(datetime.fromisoformat(spooled_at)),
    )


# --- file handling -------------------------------------------------------------


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the spool's exclusive lock (a ``flock`` on ``<spool>.lock``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + LOCK_SUFFIX)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _read_lines(path: Path) -> list[str]:
    """The spool's non-empty lines (split on newlines only, not U+2028)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    return [line for line in text.split("\n") if line.strip()]


def _append(path: Path, lines: Sequence[str]) -> None:
    """Append lines to ``path`` (mode 0600 when new), flush and fsync."""
    new = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        data = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        view = memoryview(data.encode("utf-8"))
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    if new:
        _fsync_dir(path.parent)


def _settle(path: Path, stored: Sequence[str], rejected: Sequence[str]) -> None:
    """Keep rejected lines aside, then drop stored and rejected ones from the spool.

    Lines appended since the replay read the spool are kept. Rejected lines are
    written (and fsynced) before the spool is rewritten, so a crash in between
    duplicates them instead of losing them.

    Raises:
        SpoolError: a file cannot be written.
    """
    try:
        with _locked(path):
            if rejected:
                _append(rejected_path(path), rejected)
            remove = Counter([*stored, *rejected])
            keep: list[str] = []
            for line in _read_lines(path) if path.exists() else []:
                if remove[line] > 0:
                    remove[line] -= 1
                else:
                    keep.append(line)
            _rewrite(path, keep)
    except OSError as error:
        raise SpoolError(
            f"Could not rewrite the handoff spool '{path}' ({error}); its stored "
            "lines stay and are skipped by key on the next replay."
        ) from error


def _rewrite(path: Path, lines: Sequence[str]) -> None:
    """Replace ``path`` with ``lines`` atomically (temporary file + rename)."""
    if not lines:
        if path.exists():
            path.unlink()
            _fsync_dir(path.parent)
        return
    fd, temporary = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(line + "\n" for line in lines)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make a file's creation, rename or removal durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
