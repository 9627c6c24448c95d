"""Pure: the benchmark's figures, its run record and the Markdown report.

``chat_benchmark.json`` holds exactly ``{"<concurrency>": {"p50_ms", "p95_ms",
"p99_ms", "msgs_per_s", "lost", "duplicated"}}``; ``chat_benchmark_meta.json``
says how they were made (plan, counts, acknowledgement and ping baselines,
idle baseline, reasons for every lost or duplicated message, server CPU,
machine load) so they can be read as ratios to the baselines; the Markdown
report shows both with the targets, met or not.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.bench.accounting import reconcile
from bot.bench.results import LevelRun
from bot.bench.stats import LevelFigures, distribution, level_figures, round_trips_ms

# A send later than this after its due time waited for the in-flight cap.
DEFERRED_AFTER_MS = 50.0
_ERROR_LINE = re.compile(r"\b(?:ERROR|CRITICAL)\b\s*(.*)")
MAX_LOG_ERRORS = 5


@dataclass(frozen=True)
class Targets:
    """What the benchmark must show (issue 5): no message lost or duplicated
    at any level; at ``concurrency`` shoppers, p95 and throughput bounds."""

    concurrency: int = 50
    p95_ms: float = 300.0
    msgs_per_s: float = 40.0


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def summarise_level(
    run: LevelRun, idle: Mapping[str, Any] | None = None
) -> tuple[LevelFigures, dict[str, Any]]:
    """The figures of a level and its record for the meta file.

    Args:
        run: what the level measured.
        idle: the idle baseline's round-trip distribution (for ratios).

    Returns:
        (figures, record).
    """
    records = run.records
    reconciliation = reconcile(run.records_by_session(), run.trackers)
    figures = level_figures(records, reconciliation, run.window)
    sent = [r for r in records if r.sent_at is not None]
    measured = [r for r in sent if r.measured]
    lags = [(r.sent_at - r.due) * 1000.0 for r in sent if r.sent_at is not None]
    pings = [ms for shopper in run.shoppers for ms in shopper.ping_ms]
    ping = distribution(pings)
    anomalies: Counter[str] = Counter()
    for facts in run.trackers.values():
        anomalies.update(facts.anomalous_actions)
    connects = [s.connect_ms for s in run.shoppers if s.connect_ms is not None]
    failures = Counter(s.failure for s in run.shoppers if s.failure)
    cpu = run.server_cpu_s
    record: dict[str, Any] = {
        "shoppers": run.plan.concurrency,
        "signed_in_shoppers": sum(1 for s in run.shoppers if s.signed_in),
        "offered_msgs_per_s": round(run.plan.offered_rate, 2),
        "messages_planned": len(records),
        "messages_sent": len(sent),
        "messages_measured": len(measured),
        "messages_unsent": len(records) - len(sent),
        "messages_answered": sum(1 for r in sent if r.answered),
        "round_trip": distribution(round_trips_ms(records)),
        "round_trip_from_due": distribution(
            [v for r in measured if (v := r.from_due_ms) is not None]
        ),
        "ack": distribution([v for r in measured if (v := r.ack_ms) is not None]),
        "ping": ping,
        "pings_skipped": sum(s.pings_skipped for s in run.shoppers),
        "p95_over_ping_p95": _ratio(
            figures.p95_ms, None if ping is None else float(ping["p95_ms"])
        ),
        "p50_over_idle_p50": _ratio(
            figures.p50_ms, None if idle is None else float(idle["p50_ms"])
        ),
        "sends_deferred": sum(1 for lag in lags if lag > DEFERRED_AFTER_MS),
        "send_lag": distribution(lags),
        "lost_reasons": reconciliation.reasons()["lost"],
        "duplicated_reasons": reconciliation.reasons()["duplicated"],
        "duplicate_acks": sum(r.duplicate_acks for r in sent),
        "error_frames": dict(Counter(code for r in sent for code in r.errors)),
        "misrouted": reconciliation.misrouted,
        "stray_client_ids": reconciliation.stray,
        "examples": reconciliation.examples(),
        "paused_sessions": sum(1 for f in run.trackers.values() if f.paused),
        "anomalous_actions": dict(sorted(anomalies.items())),
        "connect": distribution(connects),
        "shopper_failures": dict(failures),
        "drain_s": round(run.drain_s, 3),
        "drained": run.drained,
        "trackers_read": len(run.trackers),
        "trackers_unread": dict(list(run.trackers_unread.items())[:5]),
        "trackers_unread_count": len(run.trackers_unread),
        "load_average_before": run.load_before,
        "load_average_after": run.load_after,
        "server_cpu_s": cpu,
        "server_cpu_ms_per_message": (
            None
            if not cpu or not sent
            else round(sum(cpu.values()) * 1000.0 / len(sent), 1)
        ),
        "client_cpu_s": round(run.client_cpu_s, 3),
        "wall_s": round(run.wall_s, 3),
    }
    return figures, record


def log_facts(text: str) -> dict[str, Any]:
    """What a server log says went wrong.

    Args:
        text: the part of a log written during one level.

    Returns:
        ``{"error_lines", "tracebacks", "errors"}``: counts, and the first
        :data:`MAX_LOG_ERRORS` distinct error messages (timestamps stripped).
    """
    errors: list[str] = []
    count = 0
    for line in text.splitlines():
        match = _ERROR_LINE.search(line)
        if match is None:
            continue
        count += 1
        message = " ".join(match.group(1).split())[:300]
        if message not in errors and len(errors) < MAX_LOG_ERRORS:
            errors.append(message)
    return {
        "error_lines": count,
        "tracebacks": text.count("Traceback (most recent call last)"),
        "errors": errors,
    }


def figures_document(levels: Mapping[int, LevelFigures]) -> dict[str, dict[str, Any]]:
    """``{"<concurrency>": {...}}`` in concurrency order (the report's JSON)."""
    return {str(level): levels[level].as_dict() for level in sorted(levels)}


def verdicts(
    figures: Mapping[str, Mapping[str, Any]], targets: Targets
) -> list[dict[str, Any]]:
    """Each target, what was measured and whether it is met.

    Args:
        figures: the report's JSON document.
        targets: the targets.

    Returns:
        Rows ``{"target", "measured", "met"}``; ``met`` is None where the
        level the target is about was not run.
    """
    lost = sum(int(level["lost"]) for level in figures.values())
    duplicated = sum(int(level["duplicated"]) for level in figures.values())
    rows: list[dict[str, Any]] = [
        {
            "target": "no message lost (every level)",
            "measured": f"{lost} lost",
            "met": lost == 0 if figures else None,
        },
        {
            "target": "no message duplicated (every level)",
            "measured": f"{duplicated} duplicated",
            "met": duplicated == 0 if figures else None,
        },
    ]
    at = figures.get(str(targets.concurrency))
    p95 = None if at is None else at["p95_ms"]
    rows.append(
        {
            "target": f"p95 <= {targets.p95_ms:g} ms at {targets.concurrency} "
            "concurrent",
            "measured": "not run" if at is None else _ms_text(p95),
            "met": None if at is None else (p95 is not None and p95 <= targets.p95_ms),
        }
    )
    rows.append(
        {
            "target": f">= {targets.msgs_per_s:g} msgs/s at "
            f"{targets.concurrency} concurrent",
            "measured": "not run" if at is None else f"{at['msgs_per_s']:g} msgs/s",
            "met": None if at is None else at["msgs_per_s"] >= targets.msgs_per_s,
        }
    )
    return rows


def verdict_text(met: bool | None) -> str:
    """``met``, ``NOT met`` or ``not measured``."""
    if met is None:
        return "not measured"
    return "met" if met else "NOT met"


def _ms_text(value: float | None) -> str:
    return "none answered" if value is None else f"{value:.0f} ms"


def _cell(value: Any, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _p(distribution_: Mapping[str, Any] | None, key: str, digits: int = 0) -> str:
    return "-" if not distribution_ else _cell(float(distribution_[key]), digits)


def render_markdown(
    figures: Mapping[str, Mapping[str, Any]],
    meta: Mapping[str, Any],
    targets: Targets,
) -> str:
    """The Markdown report: levels, targets met or not, baselines, method.

    Args:
        figures: the report's JSON document.
        meta: the run record (see :func:`summarise_level` for its levels).
        targets: the targets.

    Returns:
        The report text.
    """
    levels: Mapping[str, Mapping[str, Any]] = meta.get("levels", {})
    machine = meta.get("machine", {})
    lines = [
        "# Chat benchmark",
        "",
        f"`{meta.get('command', 'python -m bot.bench')}`, "
        f"{meta.get('started_at', '?')}, "
        f"{machine.get('cpu_count', '?')} CPUs, load average before "
        f"{_load_text(machine.get('load_average_before'))}. One Rasa server and one "
        "action server on this machine, shoppers on websockets from the same machine "
        f"(each level {meta.get('warmup_s', 0):g} s warm-up, then "
        f"{meta.get('duration_s', 0):g} s measured; one message per "
        f"{meta.get('interval_s', 0):g} s per shopper, at most "
        f"{_cap_text(meta.get('max_in_flight'))} unanswered).",
        "",
        "| shoppers | offered msgs/s | msgs/s | p50 ms | p95 ms | p99 ms "
        "| p95 from due ms | ack p95 ms | ping p95 ms | p95 / ping p95 | sent "
        "| lost | duplicated |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, level in figures.items():
        extra = levels.get(key, {})
        lines.append(
            f"| {key} | {_cell(extra.get('offered_msgs_per_s'), 1)} "
            f"| {_cell(float(level['msgs_per_s']), 1)} "
            f"| {_cell(level['p50_ms'])} | {_cell(level['p95_ms'])} "
            f"| {_cell(level['p99_ms'])} "
            f"| {_p(extra.get('round_trip_from_due'), 'p95_ms')} "
            f"| {_p(extra.get('ack'), 'p95_ms', 1)} "
            f"| {_p(extra.get('ping'), 'p95_ms', 1)} "
            f"| {_cell(extra.get('p95_over_ping_p95'), 1)} "
            f"| {_cell(extra.get('messages_sent'))} | {level['lost']} "
            f"| {level['duplicated']} |"
        )
    busy = _busy_note(machine)
    if busy:
        lines += ["", busy]
    lines += ["", "## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    for row in verdicts(figures, targets):
        lines.append(
            f"| {row['target']} | {row['measured']} | {verdict_text(row['met'])} |"
        )
    lines += ["", "## Baselines", ""]
    idle = meta.get("baseline", {}).get("idle", {})
    lines.append(
        "- One shopper alone (each message sent after the previous answer): "
        "round trip "
        f"p50 {_p(idle.get('round_trip'), 'p50_ms')} ms, p95 "
        f"{_p(idle.get('round_trip'), 'p95_ms')} ms; ping p50 "
        f"{_p(idle.get('ping'), 'p50_ms', 1)} ms. This is the bot's own service time "
        "with no queueing."
    )
    lines.append(
        "- Under load, each shopper also pings between its messages: the `ping` "
        "columns are the websocket round trip through the same server at the same "
        "concurrency, with no bot work (the transport's floor)."
    )
    lines += ["", "## Notes", ""]
    for key, level in levels.items():
        lines.append(f"- {key} shoppers: {_level_note(level)}")
    cold = meta.get("cold_start", {})
    if cold:
        lines.append(
            f"- Cold start (priming, not measured): slowest first answer "
            f"{_cell(cold.get('slowest_ms'))} ms."
        )
    lines += [
        "",
        "## How it is measured",
        "",
        "- Round trip: a `message` frame sent to the first bot `message` frame whose "
        "`reply_to` is its id; only messages sent after the warm-up count. Ack: sent "
        "to `ack`.",
        "- msgs/s: first replies received per second during the measured window.",
        "- Lost: sent but not in the session's Rasa tracker (user events' "
        "`metadata.shopbot_client_id`, read over Rasa's HTTP API after the level), "
        "never acknowledged, never answered, or fewer reply frames than the bot sent. "
        "Duplicated: in the tracker more than once, acknowledged as new more than "
        "once, or more reply frames than the bot sent. Every sent message counts, "
        "warm-up included.",
        "- A shopper keeps at most the cap of messages unanswered; a message due "
        "while the cap is reached goes out when an answer arrives (`sends deferred` "
        "in the notes). `p95 from due` counts from the time a message fell due, so "
        "it includes that wait (what the shopper feels when the server falls "
        "behind); messages never sent in time are not in it (see the notes).",
        "",
    ]
    return "\n".join(lines)


def _busy_note(machine: Mapping[str, Any]) -> str | None:
    """A warning when other work loaded the machine before the run."""
    load = machine.get("load_average_before")
    cpus = machine.get("cpu_count")
    if not load or not cpus or load[0] <= cpus:
        return None
    return (
        f"**The machine was busy before the run** (1-minute load {load[0]:.2f} on "
        f"{cpus} CPUs): other work competed for the CPUs, so the absolute figures "
        "overstate what these servers do on a quiet machine; the ratios to the "
        "baselines are the better guide."
    )


def _load_text(load: Sequence[float] | None) -> str:
    return "unknown" if not load else ", ".join(f"{value:.2f}" for value in load)


def _cap_text(cap: int | None) -> str:
    return "any number" if not cap else str(cap)


def _level_note(level: Mapping[str, Any]) -> str:
    parts = [
        f"{level.get('messages_sent', 0)} sent, {level.get('messages_answered', 0)} "
        f"answered, {level.get('messages_unsent', 0)} not sent in time",
        f"{level.get('sends_deferred', 0)} sends deferred by the in-flight cap",
    ]
    reasons = {**level.get("lost_reasons", {}), **level.get("duplicated_reasons", {})}
    if reasons:
        parts.append("reasons " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
    if level.get("misrouted"):
        parts.append(f"{level['misrouted']} parsed as another intent")
    if level.get("paused_sessions"):
        parts.append(f"{level['paused_sessions']} sessions handed to a person")
    if level.get("anomalous_actions"):
        parts.append(
            "unexpected actions "
            + ", ".join(f"{k} {v}" for k, v in level["anomalous_actions"].items())
        )
    if level.get("shopper_failures"):
        parts.append(
            "shopper failures "
            + ", ".join(f"{k}: {v}" for k, v in level["shopper_failures"].items())
        )
    for server, facts in (level.get("server_log") or {}).items():
        if facts.get("error_lines"):
            first = facts["errors"][0] if facts.get("errors") else ""
            parts.append(
                f"{server} server logged {facts['error_lines']} error lines "
                f"(first: {first[:160]})"
            )
    if not level.get("drained", True):
        parts.append(f"replies still outstanding after {level.get('drain_s')} s")
    cpu = level.get("server_cpu_ms_per_message")
    if cpu is not None:
        parts.append(f"server CPU {cpu} ms per message")
    parts.append(f"load after {_load_text(level.get('load_average_after'))}")
    return "; ".join(parts) + "."
