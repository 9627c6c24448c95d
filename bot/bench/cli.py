"""``python -m bot.bench``: concurrent websocket shoppers against one shopbot.

Seeds a private SQLite profile store in a temporary folder, starts one Rasa
server (websocket channel, HTTP API) and one action server on free ports
(:class:`bot.stack.Stack`), checks that every message of the mix parses as the
intent it stands for, primes the models, measures one shopper alone (the idle
baseline), then plays each ``--concurrency`` level (see plan.py) and writes:

- ``--out`` (``reports/chat_benchmark.json``): exactly ``{"<concurrency>":
  {"p50_ms", "p95_ms", "p99_ms", "msgs_per_s", "lost", "duplicated"}}``;
- ``<out stem>_meta.json`` next to it: how the figures were made, baselines
  (ping round trip under the same load, one shopper alone), reasons for every
  lost or duplicated message, server CPU, machine load;
- ``--md`` (``reports/chat_benchmark.md``): a table with the targets, met or not.

Exit codes: 0 measured (whatever the verdicts), 1 the run broke (no shopper
could connect, the server went away), 2 bad arguments or the setup failed
(store, servers, or a mix message the model would not answer as meant).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import random
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from actions.bench.report import machine_info, write_json
from actions.bench.server import (
    load_shopper_pool,
    log_tail,
    seed_store,
)
from actions.errors import ActionsError
from actions.settings import REPO_ROOT, get_settings
from bot.bench.driver import (
    Endpoints,
    check_mix,
    current_load,
    priming_lines,
    run_level,
)
from bot.bench.errors import BenchRunError, ChatBenchError
from bot.bench.mix import MIX, Persona, raise_on_mismatch
from bot.bench.plan import LevelPlan, assign_personas
from bot.bench.report import (
    Targets,
    figures_document,
    log_facts,
    render_markdown,
    summarise_level,
    verdict_text,
    verdicts,
)
from bot.bench.results import LevelRun
from bot.bench.stats import LevelFigures, distribution, round_trips_ms

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_RUN_BROKE = 1
EXIT_SETUP = 2
DEFAULT_CONCURRENCY = (10, 50, 200)
DEFAULT_OUT = REPO_ROOT / "reports" / "chat_benchmark.json"
DEFAULT_MD = REPO_ROOT / "reports" / "chat_benchmark.md"
DEFAULT_MODEL = REPO_ROOT / "models" / "shopbot.tar.gz"
DEFAULT_INDEX = REPO_ROOT / "models" / "retrieval"
DEFAULT_CUSTOMERS = 300
# Priming: every wording once per persona, one at a time (cold models load).
PRIME_WINDOW_S = 600.0
PRIME_INTERVAL_S = 0.01
# The idle baseline: one shopper, one message every half second for 10 s.
IDLE_DURATION_S = 10.0
IDLE_INTERVAL_S = 0.5
SETTLE_S = 2.0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number.") from error
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: use 1 or more.")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number.") from error
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value}: use 0 or more.")
    return value


def _seconds(text: str, *, allow_zero: bool) -> float:
    try:
        value = float(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a number of seconds."
        ) from error
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and math.isfinite(value)):
        bound = "0 or more" if allow_zero else "a positive number of"
        raise argparse.ArgumentTypeError(f"{value}: use {bound} seconds.")
    return value


def _positive_seconds(text: str) -> float:
    return _seconds(text, allow_zero=False)


def _non_negative_seconds(text: str) -> float:
    return _seconds(text, allow_zero=True)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number.") from error
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{value}: use a share from 0 to 1.")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m bot.bench``."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.bench",
        description="Round trip, throughput, lost and duplicated messages of "
        "concurrent websocket shoppers against one Rasa server and action server.",
    )
    parser.add_argument(
        "--concurrency",
        type=_positive_int,
        nargs="+",
        default=list(DEFAULT_CONCURRENCY),
        help="shoppers at once, one level each (default: 10 50 200)",
    )
    parser.add_argument(
        "--duration",
        type=_positive_seconds,
        default=30.0,
        help="measured seconds per level",
    )
    parser.add_argument(
        "--interval",
        type=_positive_seconds,
        default=1.0,
        help="seconds between one shopper's messages "
        "(1.0: 50 shoppers offer 50 msgs/s)",
    )
    parser.add_argument(
        "--warmup",
        type=_non_negative_seconds,
        default=5.0,
        help="seconds played first in each level, not measured",
    )
    parser.add_argument(
        "--max-in-flight",
        type=_non_negative_int,
        default=1,
        help="unanswered messages a shopper allows itself before waiting for an "
        "answer (0: no cap, a pure open loop whose backlog grows without bound "
        "past the server's capacity)",
    )
    parser.add_argument(
        "--drain-timeout",
        type=_positive_seconds,
        default=60.0,
        help="after a level's sends, give up on outstanding replies when none "
        "has arrived for this many seconds",
    )
    parser.add_argument(
        "--signed-in",
        type=_share,
        default=0.5,
        help="share of shoppers signed in with a customer token",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="figures JSON")
    parser.add_argument("--md", type=Path, default=DEFAULT_MD, help="Markdown report")
    parser.add_argument(
        "--model", type=Path, default=DEFAULT_MODEL, help="trained Rasa model"
    )
    parser.add_argument(
        "--index",
        type=Path,
        default=None,
        help="retrieval index (default: SHOPBOT_RETRIEVAL_INDEX or models/retrieval)",
    )
    parser.add_argument(
        "--customers",
        type=_positive_int,
        default=DEFAULT_CUSTOMERS,
        help="customers seeded into the temporary store",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument(
        "--keep-logs",
        type=Path,
        default=None,
        help="copy the servers' logs (rasa.log, actions.log) into this folder",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    return parser


def validate(args: argparse.Namespace) -> tuple[Path, Path | None]:
    """Check the arguments argparse cannot.

    Returns:
        (the model, the retrieval index or None when the default one is missing).

    Raises:
        ValueError: naming the bad value and the fix.
    """
    if len(set(args.concurrency)) != len(args.concurrency):
        raise ValueError(
            f"--concurrency {' '.join(map(str, args.concurrency))} repeats a level; "
            "give each level once."
        )
    if not args.model.is_file():
        raise ValueError(
            f"--model {args.model} is not a file; train it with `make model`."
        )
    if args.out.resolve() == args.md.resolve():
        raise ValueError(f"--out and --md are both {args.out}; give two files.")
    explicit = args.index or os.environ.get("SHOPBOT_RETRIEVAL_INDEX")
    index = Path(explicit) if explicit else DEFAULT_INDEX
    if not index.is_dir():
        if args.index is not None:
            raise ValueError(
                f"--index {args.index} is not a folder; build it with `make index`."
            )
        logger.warning(
            "No retrieval index at %s: past-case answers are unavailable (the mix "
            "does not need them). `make index` builds it.",
            index,
        )
        return args.model, None
    return args.model, index


def _write(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"rasa": version("rasa"), "websockets": version("websockets")}


def _sample_personas(
    customers: Sequence[tuple[int, str | None]], anonymous: Sequence[tuple[str, str]]
) -> list[Persona]:
    """One signed-in customer with an order, and one anonymous shopper."""
    signed = next(((c, n) for c, n in customers if n), customers[0])
    number, email = anonymous[0]
    return [Persona(signed[0], signed[1]), Persona(None, number, email)]


def _log_sizes(logs: dict[str, Path]) -> dict[str, int]:
    return {
        name: path.stat().st_size if path.exists() else 0 for name, path in logs.items()
    }


def _log_facts_since(logs: dict[str, Path], sizes: dict[str, int]) -> dict[str, Any]:
    """What each server logged since ``sizes`` were taken."""
    facts = {}
    for name, path in logs.items():
        try:
            with path.open("rb") as log:
                log.seek(sizes.get(name, 0))
                text = log.read().decode("utf-8", errors="replace")
        except OSError:
            continue
        facts[name] = log_facts(text)
    return facts


async def _measure(
    endpoints: Endpoints,
    args: argparse.Namespace,
    customers: Sequence[tuple[int, str | None]],
    anonymous: Sequence[tuple[str, str]],
    secret: str,
    logs: dict[str, Path],
) -> tuple[dict[int, LevelFigures], dict[str, Any]]:
    samples = _sample_personas(customers, anonymous)
    problems, parse_ms = await check_mix(endpoints.rasa_url, samples)
    raise_on_mismatch(problems)
    _write(f"Mix checked: {len(parse_ms)} messages parse as meant.")
    prime_plan = LevelPlan(
        len(samples),
        PRIME_WINDOW_S,
        PRIME_INTERVAL_S,
        drain_timeout=args.drain_timeout,
        label="prime",
    )
    prime = await run_level(
        endpoints,
        prime_plan,
        samples,
        secret,
        seed=args.seed,
        lines=priming_lines(samples),
    )
    _raise_if_nobody_connected(prime)
    prime_figures, prime_record = summarise_level(prime)
    cold = round_trips_ms(prime.records)
    _write(f"Primed: {len(cold)} answers, slowest {max(cold, default=0):.0f} ms.")
    rng = random.Random(args.seed)
    idle_persona = assign_personas(customers, anonymous, 1, args.signed_in, rng)
    idle_plan = LevelPlan(1, IDLE_DURATION_S, IDLE_INTERVAL_S, label="idle")
    idle = await run_level(endpoints, idle_plan, idle_persona, secret, seed=args.seed)
    _raise_if_nobody_connected(idle)
    idle_figures, idle_record = summarise_level(idle)
    idle_round_trip = idle_record["round_trip"]
    _write(
        "Idle baseline: one shopper, round trip p50 "
        f"{idle_figures.p50_ms} ms, p95 {idle_figures.p95_ms} ms."
    )
    levels: dict[int, LevelFigures] = {}
    records: dict[str, Any] = {}
    for concurrency in args.concurrency:
        await asyncio.sleep(SETTLE_S)
        personas = assign_personas(
            customers, anonymous, concurrency, args.signed_in, rng
        )
        plan = LevelPlan(
            concurrency=concurrency,
            duration=args.duration,
            interval=args.interval,
            warmup=args.warmup,
            max_in_flight=args.max_in_flight,
            drain_timeout=args.drain_timeout,
            label=f"c{concurrency}",
        )
        _write(
            f"Level {concurrency}: {plan.offered_rate:g} msgs/s offered for "
            f"{plan.send_window:g} s ..."
        )
        sizes = _log_sizes(logs)
        run = await run_level(endpoints, plan, personas, secret, seed=args.seed)
        _raise_if_nobody_connected(run)
        figures, record = summarise_level(run, idle_round_trip)
        record["server_log"] = _log_facts_since(logs, sizes)
        levels[concurrency] = figures
        records[str(concurrency)] = record
        _write(
            f"  p50 {figures.p50_ms} ms, p95 {figures.p95_ms} ms, p99 {figures.p99_ms} "
            f"ms, {figures.msgs_per_s} msgs/s, lost {figures.lost}, duplicated "
            f"{figures.duplicated} ({record['messages_sent']} sent; p95 from due "
            f"{(record['round_trip_from_due'] or {}).get('p95_ms')} ms; ping p95 "
            f"{(record['ping'] or {}).get('p95_ms')} ms)."
        )
    meta = {
        "mix_check": {"messages": len(parse_ms), "parse": distribution(parse_ms)},
        "cold_start": {
            "messages": len(prime.records),
            "slowest_ms": round(max(cold), 1) if cold else None,
            "round_trip": prime_record["round_trip"],
            "lost": prime_figures.lost,
            "duplicated": prime_figures.duplicated,
        },
        "baseline": {
            "idle": {
                "shopper": "signed in" if idle_persona[0].signed_in else "anonymous",
                "interval_s": IDLE_INTERVAL_S,
                "round_trip": idle_round_trip,
                "ack": idle_record["ack"],
                "ping": idle_record["ping"],
                "lost": idle_figures.lost,
                "duplicated": idle_figures.duplicated,
            },
            "ping_under_load": "each level's `ping`: a protocol ping between a "
            "shopper's messages, round trip through the same server",
        },
        "levels": records,
    }
    return levels, meta


def _raise_if_nobody_connected(run: LevelRun) -> None:
    if not any(shopper.session_id for shopper in run.shoppers):
        reasons = ", ".join(sorted({s.failure for s in run.shoppers if s.failure}))
        raise BenchRunError(
            f"No shopper of level '{run.plan.label}' could connect ({reasons})."
        )


def _run(args: argparse.Namespace, command: str) -> int:
    from bot.stack import Stack

    model, index = validate(args)
    secret = get_settings().token_secret
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    load_before = current_load()
    with tempfile.TemporaryDirectory(prefix="shopbot-bench-chat-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'shop.db'}"
        _write(f"Seeding {args.customers} customers into a temporary store ...")
        seed_store(url, args.customers)
        pool = load_shopper_pool(url)
        env = {
            "SHOPBOT_DATABASE_URL": url,
            "SHOPBOT_HANDOFF_SPOOL": str(folder / "handoffs.pending.jsonl"),
            "SHOPBOT_RETRIEVAL_INDEX": str(index or folder / "no-retrieval-index"),
        }
        stack = Stack(model=model, log_dir=folder / "logs", env=env)
        _write("Starting the Rasa server and the action server ...")
        try:
            stack.start()
        except RuntimeError as error:
            tail = log_tail(folder / "logs" / "rasa.log")
            raise BenchRunError(
                f"{error}\n--- rasa.log (last lines) ---\n{tail}"
            ) from error
        endpoints = Endpoints(
            stack.shopper_ws,
            stack.rasa_url,
            {"rasa": stack.processes[1].pid, "actions": stack.processes[0].pid},
        )
        logs = {
            "rasa": folder / "logs" / "rasa.log",
            "actions": folder / "logs" / "actions.log",
        }
        try:
            levels, measured = asyncio.run(
                _measure(endpoints, args, pool.customers, pool.anonymous, secret, logs)
            )
        except BenchRunError:
            tail = log_tail(folder / "logs" / "rasa.log")
            sys.stderr.write(f"--- rasa.log (last lines) ---\n{tail}\n")
            raise
        finally:
            stack.stop()
            if args.keep_logs is not None:
                shutil.copytree(folder / "logs", args.keep_logs, dirs_exist_ok=True)
    targets = Targets()
    figures = figures_document(levels)
    rows = verdicts(figures, targets)
    meta: dict[str, Any] = {
        "command": command,
        "started_at": started_at,
        "concurrency": sorted(levels),
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "interval_s": args.interval,
        "max_in_flight": args.max_in_flight,
        "drain_timeout_s": args.drain_timeout,
        "signed_in_share": args.signed_in,
        "seed": args.seed,
        "seeded_customers": args.customers,
        "model": str(model),
        "retrieval_index": None if index is None else str(index),
        "server_logs_kept": None if args.keep_logs is None else str(args.keep_logs),
        "mix": {topic.intent: topic.weight for topic in MIX},
        "servers": "one Rasa server (1 Sanic worker, websocket channel, HTTP API) "
        "and one action server on this machine; SQLite profile store",
        "client": "asyncio + websockets in one process on the same machine",
        "versions": _versions(),
        "machine": {
            **machine_info(),
            "load_average_before": load_before,
            "load_average_after": current_load(),
        },
        **measured,
        "targets": {
            "concurrency": targets.concurrency,
            "p95_ms": targets.p95_ms,
            "msgs_per_s": targets.msgs_per_s,
            "lost": 0,
            "duplicated": 0,
        },
        "verdicts": [{**row, "verdict": verdict_text(row["met"])} for row in rows],
    }
    write_json(args.out, figures)
    meta_file = args.out.with_name(f"{args.out.stem}_meta.json")
    write_json(meta_file, meta)
    args.md.parent.mkdir(parents=True, exist_ok=True)
    args.md.write_text(render_markdown(figures, meta, targets), encoding="utf-8")
    _write()
    for row in rows:
        _write(f"{row['target']}: {row['measured']} - {verdict_text(row['met'])}")
    _write(f"Wrote {args.out}, {meta_file} and {args.md}.")
    return EXIT_OK


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
    command = shlex.join(["python", "-m", "bot.bench", *given])
    started = time.perf_counter()
    try:
        code = _run(args, command)
    except BenchRunError as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_RUN_BROKE
    except (ChatBenchError, ActionsError, ValueError) as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_SETUP
    except OSError as error:
        sys.stderr.write(
            f"error: {error}; check that --out ({args.out}) and --md ({args.md}) are "
            "writable and the temporary folder has room.\n"
        )
        return EXIT_SETUP
    logger.info("Benchmark finished in %.1f s.", time.perf_counter() - started)
    return code
