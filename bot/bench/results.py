"""Pure data: what the client recorded in one level (filled by client.py and
driver.py, read by report.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.bench.accounting import SentRecord, TrackerFacts
from bot.bench.plan import LevelPlan


@dataclass
class ShopperRun:
    """One shopper's socket in a level.

    Attributes:
        index: the shopper's number.
        signed_in: whether it said hello with a customer token.
        session_id: the session the server gave it (None: no welcome).
        records: its messages (unsent ones have ``sent_at`` None).
        ping_ms: round trips of its pings sent in the measured window.
        pings_skipped: pings not sent because the previous one was unanswered.
        connect_ms: socket opened to ``welcome`` received.
        failure: why the shopper stopped early (None: it did not).
        close_code: the close code when the server closed the socket.
    """

    index: int
    signed_in: bool
    session_id: str | None = None
    records: list[SentRecord] = field(default_factory=list)
    ping_ms: list[float] = field(default_factory=list)
    pings_skipped: int = 0
    connect_ms: float | None = None
    failure: str | None = None
    close_code: int | None = None


@dataclass
class LevelRun:
    """Everything measured in one level.

    Attributes:
        plan: the level.
        shoppers: one per socket.
        window: the measured window (monotonic start and end).
        drain_s: seconds spent waiting for outstanding replies.
        drained: every sent message was answered before the drain timeout.
        trackers: each session's tracker facts, by session id.
        trackers_unread: sessions whose tracker could not be read (and why).
        load_before: 1/5/15-minute load averages before the level.
        load_after: the same after it.
        server_cpu_s: CPU seconds each server process used during the level.
        client_cpu_s: CPU seconds this benchmark process used.
        wall_s: the level's wall time, connecting to tracker reads.
    """

    plan: LevelPlan
    shoppers: list[ShopperRun]
    window: tuple[float, float]
    drain_s: float = 0.0
    drained: bool = True
    trackers: dict[str, TrackerFacts] = field(default_factory=dict)
    trackers_unread: dict[str, str] = field(default_factory=dict)
    load_before: tuple[float, float, float] | None = None
    load_after: tuple[float, float, float] | None = None
    server_cpu_s: dict[str, float] | None = None
    client_cpu_s: float = 0.0
    wall_s: float = 0.0

    @property
    def records(self) -> list[SentRecord]:
        """Every message of the level."""
        return [record for shopper in self.shoppers for record in shopper.records]

    def records_by_session(self) -> dict[str, list[SentRecord]]:
        """The messages of each session that got a welcome."""
        return {
            shopper.session_id: shopper.records
            for shopper in self.shoppers
            if shopper.session_id is not None
        }
