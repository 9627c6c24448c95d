"""``python -m actions.bench``: action-server latency under concurrent conversations.

Seeds a fresh SQLite store in a temporary folder (or uses ``--database-url``),
starts the real rasa-sdk action server on a free port, drives ``--concurrency``
simulated conversations for ``--rounds`` rounds after ``--warmup`` rounds, and
writes ``--out`` (``{"<action>": {"p50_ms", "p95_ms"}}``) plus the run setup in
``<out stem>_meta.json``; prints a table with PASS/FAIL against the p95 target.
``--profile`` also replays the rounds in-process under cProfile and writes the
service time and hottest functions of each action to ``<out stem>_profile.txt``.

Exit codes: 0 measured (whatever the verdicts), 1 a call failed (the action and
the reason are printed), 2 bad arguments or the setup failed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from actions.bench.driver import LoadPlan, RunResult, drive
from actions.bench.report import build_meta, machine_info, meta_path, write_json
from actions.bench.server import (
    BenchSetupError,
    action_server,
    churn_model_status,
    current_load,
    load_domain,
    load_shopper_pool,
    log_tail,
    retrieval_index_from_env,
    seed_store,
    server_env,
)
from actions.bench.stats import DEFAULT_TARGET_P95_MS, format_table, summarise
from actions.errors import ActionsError
from actions.settings import REPO_ROOT, get_settings
from actions.store.db import redact

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CALL_FAILED = 1
EXIT_SETUP = 2
DEFAULT_OUT = REPO_ROOT / "reports" / "actions_benchmark.json"
DEFAULT_CUSTOMERS = 300
DEFAULT_THINK_MS = 1000.0
# Lines the action server logs when an action runs without the churn model.
CHURN_UNAVAILABLE = re.compile(r"Churn model unavailable")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number.") from error
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: use 1 or more.")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number.") from error
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value}: use 0 or more.")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number.") from error
    if not 0.0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{value}: use a positive number.")
    return value


def _milliseconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number.") from error
    if not 0.0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{value}: use 0 or more milliseconds.")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m actions.bench``."""
    parser = argparse.ArgumentParser(
        prog="python -m actions.bench",
        description="Latency of the action server's actions under concurrent "
        "simulated conversations (p50/p95 per action).",
    )
    parser.add_argument(
        "--concurrency", type=_positive, default=20, help="conversations at once"
    )
    parser.add_argument(
        "--rounds", type=_positive, default=30, help="measured rounds each"
    )
    parser.add_argument(
        "--warmup", type=_non_negative, default=2, help="unmeasured rounds first"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="figures JSON (the setup goes to <stem>_meta.json next to it)",
    )
    parser.add_argument(
        "--database-url",
        help="bench this seeded store instead of a fresh temporary SQLite one "
        "(it gets handoffs, complaints and address changes written: use a copy)",
    )
    parser.add_argument(
        "--customers",
        type=_positive,
        default=DEFAULT_CUSTOMERS,
        help="customers seeded into the temporary store",
    )
    parser.add_argument(
        "--target-p95-ms", type=_positive_float, default=DEFAULT_TARGET_P95_MS
    )
    parser.add_argument(
        "--think-ms",
        type=_milliseconds,
        default=DEFAULT_THINK_MS,
        help="mean pause before each shopper message, exponential (default "
        f"{DEFAULT_THINK_MS:g}: quicker than people type); 0 runs a closed loop "
        "where every conversation always has a request in flight",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile each action in-process (writes <stem>_profile.txt)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    return parser


def _write(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _rasa_version() -> str:
    import rasa

    return str(rasa.__version__)


def _sdk_version() -> str:
    import rasa_sdk

    return str(rasa_sdk.__version__)


def _report_errors(result: RunResult, log: Path) -> None:
    sys.stderr.write(f"error: {len(result.errors)} call(s) failed:\n")
    for error in result.errors[:10]:
        status = "no answer" if error.status is None else f"HTTP {error.status}"
        sys.stderr.write(
            f"  {error.action} ({error.sender_id}, {status}): {error.detail}\n"
        )
    tail = log_tail(log)
    if tail:
        sys.stderr.write(f"--- action server log (last lines) ---\n{tail}\n")


def _server_log_facts(log: Path) -> dict[str, int]:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    return {
        "churn_model_unavailable_lines": len(CHURN_UNAVAILABLE.findall(text)),
        "traceback_lines": text.count("Traceback (most recent call last)"),
    }


def _run(args: argparse.Namespace, command: str) -> int:
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory(prefix="shopbot-bench-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        if args.database_url is None:
            logger.info("Seeding %d customers into %s.", args.customers, url)
            seed_store(url, args.customers)
        pool = load_shopper_pool(url)
        domain, slot_names = load_domain(REPO_ROOT / "domain.yml")
        index = retrieval_index_from_env(os.environ)
        env = server_env(
            os.environ,
            database_url=url,
            spool=folder / "handoffs.pending.jsonl",
            retrieval_index=index,
        )
        churn_loaded, churn_detail = churn_model_status()
        plan = LoadPlan(
            concurrency=args.concurrency,
            rounds=args.rounds,
            warmup=args.warmup,
            with_retrieval=index is not None,
            seed=args.seed,
            think_ms=args.think_ms,
        )
        log = folder / "action_server.log"
        load_before = current_load()
        with action_server(env, log) as base_url:
            result = asyncio.run(
                drive(
                    base_url,
                    plan,
                    pool,
                    domain=domain,
                    slot_names=slot_names,
                    secret=get_settings().token_secret,
                    version=_rasa_version(),
                )
            )
        load_after = current_load()
        if result.errors:
            _report_errors(result, log)
            return EXIT_CALL_FAILED
        log_facts = _server_log_facts(log)
        summary = summarise(result.latencies_ms)
        calls = {
            action: len(samples) for action, samples in result.latencies_ms.items()
        }
        setup: dict[str, Any] = {
            "command": command,
            "started_at": started_at,
            "concurrency": plan.concurrency,
            "rounds": plan.rounds,
            "warmup_rounds": plan.warmup,
            "rounds_played": result.rounds_played,
            "signed_in_rounds": result.signed_in_rounds,
            "calls_total": result.calls,
            "calls_measured": sum(calls.values()),
            "handoffs_created": result.handoffs,
            "errors": len(result.errors),
            "wall_s": round(result.wall_s, 3),
            "cold_start": {
                "priming_rounds_s": round(result.prime_s, 3),
                "slowest_call_ms": {
                    action: round(ms, 1)
                    for action, ms in sorted(result.prime_ms.items())
                },
            },
            "throughput_calls_per_s": round(result.calls / result.wall_s, 1),
            "machine": {
                **machine_info(),
                "load_average_before": load_before,
                "load_average_after": load_after,
            },
            "think_ms": plan.think_ms,
            "client": "aiohttp on the same machine, one request in flight per "
            "conversation; think_ms is the mean pause before each shopper message",
            "server": {
                "rasa_sdk": _sdk_version(),
                "sanic_workers": os.environ.get("ACTION_SERVER_SANIC_WORKERS", "1"),
                **log_facts,
            },
            "database": {
                "url": redact(url) if args.database_url else "sqlite (temporary file)",
                "backend": url.split(":", 1)[0],
                "seeded_customers": None if args.database_url else args.customers,
            },
            "churn_model": {"loaded": churn_loaded, "detail": churn_detail},
            "retrieval_index": str(index) if index else None,
        }
        meta = build_meta(
            summary=summary,
            calls=calls,
            health_ms=result.health_ms,
            target_p95_ms=args.target_p95_ms,
            setup=setup,
        )
        write_json(args.out, summary)
        write_json(meta_path(args.out), meta)
        _print_summary(summary, calls, meta, args)
        if args.profile:
            from actions.bench.inprocess import profile_report

            profile_path = args.out.with_name(f"{args.out.stem}_profile.txt")
            profile_path.write_text(
                profile_report(
                    database_url=url,
                    spool=folder / "profile-handoffs.pending.jsonl",
                    retrieval_index=index,
                    pool=pool,
                    domain=domain,
                    slot_names=slot_names,
                    rounds=max(1, args.rounds // 3),
                    seed=args.seed,
                    version=_rasa_version(),
                ),
                encoding="utf-8",
            )
            _write(f"Profile: {profile_path}")
    return EXIT_OK


def _print_summary(
    summary: dict[str, dict[str, float]],
    calls: dict[str, int],
    meta: dict[str, Any],
    args: argparse.Namespace,
) -> None:
    _write(format_table(summary, calls, args.target_p95_ms))
    _write()
    health = meta["baseline"]["health"]
    if health:
        _write(
            f"Baseline /health under the same load: p50 {health['p50_ms']:.2f} ms, "
            f"p95 {health['p95_ms']:.2f} ms ({health['samples']} probes)."
        )
    slowest = max(
        meta["cold_start"]["slowest_call_ms"].items(),
        key=lambda item: item[1],
        default=("none", 0.0),
    )
    _write(
        f"Cold start (priming, not measured): {meta['cold_start']['priming_rounds_s']}"
        f" s; slowest first call {slowest[0]} {slowest[1]:.0f} ms."
    )
    churn = "loaded" if meta["churn_model"]["loaded"] else "NOT loaded"
    failed = [
        action for action, verdict in meta["verdicts"].items() if verdict != "PASS"
    ]
    _write(
        f"{meta['calls_total']} calls in {meta['wall_s']:.1f} s "
        f"({meta['throughput_calls_per_s']} calls/s), {meta['handoffs_created']} "
        f"handoffs, churn model {churn}, "
        f"{meta['machine']['cpu_count']} CPUs, load before "
        f"{meta['machine']['load_average_before']}."
    )
    if failed:
        _write(f"{len(failed)} action(s) miss p95 <= {args.target_p95_ms:g} ms.")
    else:
        _write(f"Every action meets p95 <= {args.target_p95_ms:g} ms.")
    _write(f"Wrote {args.out} and {meta_path(args.out)}.")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark.

    Args:
        argv: the arguments after the program name; ``sys.argv[1:]`` when None.

    Returns:
        The exit code (see the module docstring).
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    given = list(sys.argv[1:] if argv is None else argv)
    command = shlex.join(["python", "-m", "actions.bench", *given])
    started = time.perf_counter()
    try:
        code = _run(args, command)
    except (BenchSetupError, ActionsError, ValueError) as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_SETUP
    except OSError as error:
        sys.stderr.write(
            f"error: {error}; check that --out ({args.out}) is writable and the "
            "temporary folder has room.\n"
        )
        return EXIT_SETUP
    logger.info("Benchmark finished in %.1f s.", time.perf_counter() - started)
    return code
