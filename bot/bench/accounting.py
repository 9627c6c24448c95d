"""Pure: what each sent message became, by the client's and by Rasa's account.

The client records, per message, its acknowledgements, the bot ``message``
frames that answer it (``reply_to`` its id) and any ``error`` frame naming it.
After a level, each session's tracker (Rasa's own record, read over its HTTP
API) says how often the message's client id arrived (the user events'
``metadata.shopbot_client_id``) and how many frames the bot's answer made.

A message is **lost** when it is not in the tracker, was never acknowledged,
or was never answered (``no_reply_in_tracker``: the bot said nothing, e.g. an
action failed; ``reply_not_delivered``: it answered but the frames never
arrived), or when fewer of its reply frames arrived than the bot sent. It is
**duplicated** when it is in the tracker more than once, was acknowledged (as
new) more than once, or more reply frames arrived than the bot sent (a reply
delivered twice).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

META_CLIENT_ID = "shopbot_client_id"
META_SENDER = "shopbot_sender"
SENDER_AGENT = "agent"
# Conversation events and actions that mean the bot did not simply answer.
PAUSE_EVENT = "pause"
ANOMALOUS_ACTIONS: frozenset[str] = frozenset(
    {
        "action_default_fallback",
        "action_handoff",
        "action_handle_complaint",
        "action_answer_from_past_cases",
    }
)


@dataclass
class SentRecord:
    """One message as the client saw it (times are ``time.monotonic()``).

    Attributes:
        client_id: its protocol id.
        intent: the intent the mix meant it as.
        due: when it fell due (absolute).
        sent_at: when it went out (None: never sent).
        measured: sent after the warm-up (set when it is sent).
        ack_at: the first acknowledgement as new.
        acks: acknowledgements as new.
        duplicate_acks: acknowledgements as a duplicate (the client never resends).
        first_reply_at: the first bot ``message`` frame answering it.
        replies: bot ``message`` frames answering it.
        errors: ``error`` frame codes naming it.
    """

    client_id: str
    intent: str
    due: float
    sent_at: float | None = None
    measured: bool = True
    ack_at: float | None = None
    acks: int = 0
    duplicate_acks: int = 0
    first_reply_at: float | None = None
    replies: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        """Whether a reply arrived."""
        return self.first_reply_at is not None

    @property
    def round_trip_ms(self) -> float | None:
        """Send to first reply, in milliseconds (None: unanswered or unsent)."""
        if self.sent_at is None or self.first_reply_at is None:
            return None
        return (self.first_reply_at - self.sent_at) * 1000.0

    @property
    def from_due_ms(self) -> float | None:
        """Due time to first reply, in milliseconds: includes the wait for the
        in-flight cap (coordinated-omission corrected)."""
        if self.sent_at is None or self.first_reply_at is None:
            return None
        return (self.first_reply_at - self.due) * 1000.0

    @property
    def ack_ms(self) -> float | None:
        """Send to acknowledgement, in milliseconds."""
        if self.sent_at is None or self.ack_at is None:
            return None
        return (self.ack_at - self.sent_at) * 1000.0


@dataclass
class TrackerEntry:
    """One client id in a tracker.

    Attributes:
        user_events: user events carrying it.
        bot_frames: ``message`` frames the bot's answer to it made.
        intent: the intent Rasa parsed it as (the first event's).
    """

    user_events: int = 0
    bot_frames: int = 0
    intent: str | None = None


@dataclass
class TrackerFacts:
    """What one session's tracker says."""

    entries: dict[str, TrackerEntry] = field(default_factory=dict)
    paused: bool = False
    anomalous_actions: Counter[str] = field(default_factory=Counter)


def bot_frames(event: Mapping[str, Any]) -> int:
    """How many ``message`` frames the channel sends for a bot event.

    Mirrors Rasa's ``OutputChannel.send_response`` on ``BotUttered.message()``:
    one frame for quick replies, buttons or text; one for an image; one for an
    attachment (unless it repeats the image); one per element; custom JSON
    makes none. Agent messages are not replies (0).
    """
    metadata = event.get("metadata") or {}
    if metadata.get(META_SENDER) == SENDER_AGENT:
        return 0
    data = event.get("data") or {}
    frames = (
        1
        if (data.get("quick_replies") or data.get("buttons") or event.get("text"))
        else 0
    )
    image = data.get("image")
    attachment = data.get("attachment")
    if image:
        frames += 1
    if attachment and attachment != image:
        frames += 1
    elements = data.get("elements")
    if isinstance(elements, list):
        frames += len(elements)
    return frames


def tracker_facts(events: Iterable[Mapping[str, Any]]) -> TrackerFacts:
    """Count client ids and reply frames in a session's tracker events.

    Bot events count for the user message they follow, except those after a
    ``session_started`` and before the next user message: Rasa runs the session
    start while handling that next message, into the same output channel.

    Args:
        events: the tracker's events (``GET /conversations/{id}/tracker``).

    Returns:
        The session's facts.
    """
    facts = TrackerFacts()
    current: str | None = None
    starting = False  # between a session start and the next user message
    carried = 0
    for event in events:
        kind = event.get("event")
        if kind == "user":
            metadata = event.get("metadata") or {}
            identifier = metadata.get(META_CLIENT_ID)
            current = identifier if isinstance(identifier, str) else None
            starting = False
            if current is None:
                carried = 0
                continue
            entry = facts.entries.setdefault(current, TrackerEntry())
            entry.user_events += 1
            entry.bot_frames += carried
            carried = 0
            if entry.intent is None:
                intent = ((event.get("parse_data") or {}).get("intent") or {}).get(
                    "name"
                )
                entry.intent = intent if isinstance(intent, str) else None
        elif kind == "session_started":
            current, starting, carried = None, True, 0
        elif kind == "bot":
            frames = bot_frames(event)
            if starting:
                carried += frames
            elif current is not None:
                facts.entries[current].bot_frames += frames
        elif kind == PAUSE_EVENT:
            facts.paused = True
        elif kind == "action" and event.get("name") in ANOMALOUS_ACTIONS:
            facts.anomalous_actions[str(event["name"])] += 1
    return facts


@dataclass(frozen=True)
class Verdict:
    """What became of one message."""

    client_id: str
    lost: tuple[str, ...]
    duplicated: tuple[str, ...]
    misrouted: bool


@dataclass
class Reconciliation:
    """The lost, duplicated and misrouted messages of a level."""

    verdicts: list[Verdict] = field(default_factory=list)
    stray: int = 0

    @property
    def lost(self) -> int:
        """Messages lost (each counted once, whatever the reasons)."""
        return sum(1 for verdict in self.verdicts if verdict.lost)

    @property
    def duplicated(self) -> int:
        """Messages duplicated (each counted once)."""
        return sum(1 for verdict in self.verdicts if verdict.duplicated)

    @property
    def misrouted(self) -> int:
        """Messages Rasa parsed as another intent than the mix meant."""
        return sum(1 for verdict in self.verdicts if verdict.misrouted)

    def reasons(self) -> dict[str, dict[str, int]]:
        """How many messages each reason applies to."""
        lost: Counter[str] = Counter()
        duplicated: Counter[str] = Counter()
        for verdict in self.verdicts:
            lost.update(verdict.lost)
            duplicated.update(verdict.duplicated)
        return {
            "lost": dict(sorted(lost.items())),
            "duplicated": dict(sorted(duplicated.items())),
        }

    def examples(self, limit: int = 5) -> dict[str, list[dict[str, Any]]]:
        """A few messages of each kind with their reasons, to look up in the logs."""

        def pick(kind: str) -> list[dict[str, Any]]:
            chosen = [v for v in self.verdicts if getattr(v, kind)][:limit]
            return [
                {
                    "id": v.client_id,
                    "lost": list(v.lost),
                    "duplicated": list(v.duplicated),
                }
                for v in chosen
            ]

        return {kind: pick(kind) for kind in ("lost", "duplicated", "misrouted")}


def judge(record: SentRecord, entry: TrackerEntry | None) -> Verdict:
    """Lost / duplicated reasons for one sent message (see the module docstring)."""
    lost: list[str] = []
    duplicated: list[str] = []
    in_tracker = entry.user_events if entry else 0
    expected = entry.bot_frames if entry else 0
    if in_tracker == 0:
        lost.append("not_in_tracker")
    if record.acks == 0:
        lost.append("not_acknowledged")
    if record.replies == 0:
        lost.append("not_answered")
        if in_tracker:
            # Whether the bot said nothing, or said it and it never arrived.
            lost.append("reply_not_delivered" if expected else "no_reply_in_tracker")
    elif record.replies < expected:
        lost.append("reply_incomplete")
    if in_tracker > 1:
        duplicated.append("in_tracker_twice")
    if record.acks > 1:
        duplicated.append("acknowledged_twice")
    if entry is not None and record.replies > expected:
        duplicated.append("reply_delivered_twice")
    misrouted = bool(
        entry and entry.intent is not None and entry.intent != record.intent
    )
    return Verdict(record.client_id, tuple(lost), tuple(duplicated), misrouted)


def reconcile(
    records: Mapping[str, Sequence[SentRecord]], trackers: Mapping[str, TrackerFacts]
) -> Reconciliation:
    """Judge every sent message against its own session's tracker.

    Args:
        records: the messages sent on each session, by session id (unsent
            ones are skipped: they never left the client).
        trackers: the facts of each session's tracker, by session id (a
            session missing here had no readable tracker: its messages are
            not in it).

    Returns:
        The verdicts, session by session in the order of ``records``; ``stray``
        counts client ids found in a session's tracker that were not sent on
        that session.
    """
    result = Reconciliation()
    for session_id, sent in records.items():
        facts = trackers.get(session_id, TrackerFacts())
        own = {record.client_id for record in sent}
        result.stray += sum(1 for identifier in facts.entries if identifier not in own)
        for record in sent:
            if record.sent_at is None:
                continue
            result.verdicts.append(judge(record, facts.entries.get(record.client_id)))
    return result
