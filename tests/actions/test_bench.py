"""Tests of the action-server benchmark (actions/bench).

Pure helpers (percentiles, summary, payloads, scenario, response checks) are
tested directly; the tracker payloads are checked with rasa-sdk's own
``Tracker.from_dict`` and the project's identity code. The driver's error path
runs against a small local HTTP server that fails one action; one short real
run starts the real action server on a fresh seeded SQLite store.
"""

from __future__ import annotations

import json
import random
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasa_sdk import Tracker

from actions.bench import cli
from actions.bench.driver import LoadPlan, check_response, drive, prepare_step
from actions.bench.payloads import (
    action_call,
    add_action,
    add_user_message,
    apply_response,
    encode_action_call,
    intent_ranking,
    new_conversation,
    set_active_loop,
    set_slots,
)
from actions.bench.report import build_meta, meta_path, ratios_to_trivial
from actions.bench.scenario import (
    KEEP,
    Shopper,
    ShopperPool,
    actions_of,
    order_message,
    round_steps,
    shopper_metadata,
)
from actions.bench.server import retrieval_index_from_env, server_env
from actions.bench.stats import format_table, percentile, summarise, verdicts
from actions.customer import current_identity
from actions.identity.tokens import sign_token
from actions.settings import DEVELOPMENT_SECRET

SLOTS = (
    "order_number",
    "email",
    "customer_id",
    "customer_token_expires",
    "cancel_confirmed",
    "new_address",
    "address_confirmed",
    "requested_slot",
    "session_started_metadata",
)
DOMAIN: dict[str, Any] = {
    "forms": {"track_order_form": {"required_slots": ["order_number", "email"]}},
    "slots": {name: {"type": "any"} for name in SLOTS},
}
POOL = ShopperPool(
    customers=((1, "1234567"), (2, None)),
    anonymous=(("7654321", "ann@example.com"),),
)
EXPECTED_ACTIONS = {
    "action_session_start",
    "action_greet",
    "validate_track_order_form",
    "action_ask_order_number",
    "action_track_order",
    "action_change_order",
    "action_refund_status",
    "validate_cancel_order_form",
    "action_cancel_order",
    "action_ask_email",
    "action_save_address",
    "action_handle_complaint",
    "action_handoff",
}


# --- percentiles and summary ------------------------------------------------------


@pytest.mark.parametrize("q", [0, 5, 50, 90, 95, 99, 100])
def test_percentile_matches_numpy_linear(q: float) -> None:
    samples = [random.Random(3).uniform(0, 50) for _ in range(37)]
    samples = [value * (1 + index % 5) for index, value in enumerate(samples)]
    assert percentile(samples, q) == pytest.approx(np.percentile(samples, q))


def test_percentile_of_one_sample_and_interpolation() -> None:
    assert percentile([4.0], 95) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("values", "q", "message"),
    [
        ([], 50, "No samples"),
        ([1.0], 101, "outside 0-100"),
        ([1.0, float("nan")], 50, "not a finite"),
    ],
)
def test_percentile_rejects_bad_input(
    values: list[float], q: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        percentile(values, q)


def test_summarise_has_exactly_p50_and_p95_per_action() -> None:
    summary = summarise({"b": [1.0, 2.0, 3.0], "a": [10.0] * 20, "empty": []})
    assert list(summary) == ["a", "b"]
    assert summary["b"] == {"p50_ms": 2.0, "p95_ms": 2.9}
    assert all(set(figures) == {"p50_ms", "p95_ms"} for figures in summary.values())


def test_verdicts_and_table_mark_pass_and_fail() -> None:
    summary = {
        "fast": {"p50_ms": 1.0, "p95_ms": 25.0},
        "slow": {"p50_ms": 9.0, "p95_ms": 25.1},
    }
    assert verdicts(summary, 25.0) == {"fast": True, "slow": False}
    table = format_table(summary, {"fast": 3, "slow": 4}, 25.0)
    fast_line, slow_line = table.splitlines()[1:]
    assert fast_line.startswith("fast") and fast_line.endswith("PASS")
    assert slow_line.startswith("slow") and slow_line.endswith("FAIL")


def test_meta_records_baselines_ratios_and_verdicts() -> None:
    summary = {
        "action_ask_email": {"p50_ms": 1.0, "p95_ms": 2.0},
        "action_handoff": {"p50_ms": 10.0, "p95_ms": 30.0},
    }
    meta = build_meta(
        summary=summary,
        calls={"action_handoff": 5, "action_ask_email": 5},
        health_ms=[1.0, 2.0, 3.0],
        target_p95_ms=25.0,
        setup={"concurrency": 20},
    )
    assert meta["concurrency"] == 20
    assert meta["verdicts"] == {"action_ask_email": "PASS", "action_handoff": "FAIL"}
    assert meta["all_pass"] is False
    assert meta["baseline"]["health"] == {"p50_ms": 2.0, "p95_ms": 2.9, "samples": 3}
    assert meta["baseline"]["trivial_action"]["p95_ms"] == 2.0
    assert meta["p95_over_trivial_action_p95"]["action_handoff"] == 15.0
    assert ratios_to_trivial({"x": {"p50_ms": 1.0, "p95_ms": 1.0}}) == {}
    assert meta_path(Path("r/actions_benchmark.json")) == Path(
        "r/actions_benchmark_meta.json"
    )


# --- payloads ---------------------------------------------------------------------


def _signed_conversation(customer_id: int = 42) -> tuple[Any, dict[str, Any]]:
    token = sign_token(customer_id, 4_000_000_000, DEVELOPMENT_SECRET)
    metadata = shopper_metadata(token)
    conversation = new_conversation("bench-test", SLOTS, metadata, 1_700_000_000.0)
    return conversation, metadata


def test_intent_ranking_puts_the_intent_first_and_sums_to_one() -> None:
    ranking = intent_ranking("greet", ["greet", "a", "b", "c", "d", "e"])
    assert ranking[0]["name"] == "greet"
    assert [entry["name"] for entry in ranking[1:]] == ["a", "b", "c", "d"]
    assert sum(entry["confidence"] for entry in ranking) == pytest.approx(1.0)


def test_payload_is_a_tracker_rasa_sdk_accepts() -> None:
    conversation, metadata = _signed_conversation()
    add_action(conversation, "action_listen", 1.0)
    text = "where is order 1234567?"
    add_user_message(
        conversation,
        text=text,
        intent="track_order",
        ranking_pool=["inform", "greet"],
        metadata=metadata,
        message_id="m1",
        now=2.0,
        entities=[
            {"entity": "order_number", "value": "1234567", "start": 15, "end": 22}
        ],
    )
    set_active_loop(conversation, "track_order_form", 2.0)
    set_slots(conversation, {"order_number": "1234567"}, 2.0)
    call = action_call(conversation, "validate_track_order_form", DOMAIN, "3.6.21")
    assert set(call) == {"next_action", "sender_id", "tracker", "domain", "version"}

    decoded = json.loads(json.dumps(call))
    tracker = Tracker.from_dict(decoded["tracker"])
    assert tracker.sender_id == "bench-test"
    assert tracker.get_slot("order_number") == "1234567"
    assert tracker.active_loop_name == "track_order_form"
    assert tracker.latest_message["intent"]["name"] == "track_order"
    assert list(tracker.get_latest_entity_values("order_number")) == ["1234567"]
    assert tracker.slots_to_validate() == {"order_number": "1234567"}
    # The project's own identity code finds the signed-in customer.
    identity = current_identity(tracker)
    assert identity.customer_id == 42


def test_form_step_leaves_the_extracted_slots_to_validate() -> None:
    shopper = Shopper(None, "1234567", "ann@example.com")
    steps = round_steps(shopper, random.Random(2), with_retrieval=False)
    conversation = new_conversation("anon", SLOTS, {}, 1.0)
    step = steps[2]
    assert step.action == "validate_track_order_form"
    prepare_step(conversation, step, {}, 2.0)
    tracker = Tracker.from_dict(
        action_call(conversation, step.action, DOMAIN, "3")["tracker"]
    )
    assert tracker.slots_to_validate() == {
        "order_number": "1234567",
        "email": "ann@example.com",
    }
    assert tracker.active_loop_name == "track_order_form"
    assert [event["event"] for event in tracker.events[-5:]] == [
        "action",
        "user",
        "active_loop",
        "slot",
        "slot",
    ]
    assert current_identity(tracker).customer_id is None


def test_encoded_call_equals_the_dict_call() -> None:
    conversation, _ = _signed_conversation()
    body = encode_action_call(
        conversation, "action_greet", json.dumps(DOMAIN), "3.6.21"
    )
    assert json.loads(body) == action_call(
        conversation, "action_greet", DOMAIN, "3.6.21"
    )


def test_apply_response_follows_rasa_event_semantics() -> None:
    conversation, _ = _signed_conversation()
    set_slots(conversation, {"email": "old@example.com"}, 1.0)
    apply_response(
        conversation,
        {
            "events": [
                {"event": "session_started"},
                {"event": "slot", "name": "customer_id", "value": 42},
                {"event": "pause"},
            ],
            "responses": [{"text": "Hello"}, {"response": "utter_greet"}],
        },
        5.0,
    )
    assert conversation.slots["email"] is None
    assert conversation.slots["customer_id"] == 42
    assert conversation.paused is True
    bots = [event for event in conversation.events if event["event"] == "bot"]
    assert [event["text"] for event in bots] == ["Hello", "utter_greet"]
    apply_response(conversation, {"events": [{"event": "resume"}]}, 6.0)
    assert conversation.paused is False
    set_active_loop(conversation, None, 7.0)
    assert conversation.active_loop == {}
    assert conversation.slots["requested_slot"] is None


# --- scenario ---------------------------------------------------------------------


def test_round_has_every_action_and_retrieval_only_when_asked() -> None:
    for customer_id in (1, None):
        shopper = Shopper(
            customer_id, "1234567", None if customer_id else "a@b.example"
        )
        steps = round_steps(shopper, random.Random(1), with_retrieval=False)
        assert steps[0].action == "action_session_start"
        assert set(actions_of(steps)) == EXPECTED_ACTIONS
    with_index = round_steps(
        Shopper(1, "1234567"), random.Random(1), with_retrieval=True
    )
    assert "action_answer_from_past_cases" in actions_of(with_index)


def test_anonymous_shopper_gives_number_and_email() -> None:
    message = order_message(
        "track_order", "Where?", Shopper(None, "1234567", "a@b.example")
    )
    assert {entity["entity"] for entity in message.entities} == {
        "order_number",
        "email",
    }
    for entity in message.entities:
        assert message.text[entity["start"] : entity["end"]] == entity["value"]
    assert order_message("track_order", "Where?", Shopper(5, "1234567")).entities == ()


def test_cancellation_is_declined_in_most_rounds_and_address_confirmed() -> None:
    rng = random.Random(11)
    confirmed = 0
    for _ in range(200):
        steps = round_steps(Shopper(1, "1234567"), rng, with_retrieval=False)
        answers = [step for step in steps if "cancel_confirmed" in step.slots]
        confirmed += answers[0].slots["cancel_confirmed"] is True
        save = next(step for step in steps if step.action == "action_save_address")
        assert save.slots["address_confirmed"] is True
        assert save.slots["new_address"].count(",") == 2
        assert save.loop is None
    assert confirmed < 30
    anonymous = round_steps(
        Shopper(None, "1", "a@b.example"), rng, with_retrieval=False
    )
    assert all(step.slots.get("cancel_confirmed") is not True for step in anonymous)
    assert all(step.loop == KEEP for step in anonymous[:2])


def test_pool_picks_both_kinds_and_refuses_to_be_empty() -> None:
    rng = random.Random(5)
    picked = [POOL.pick(rng) for _ in range(100)]
    assert any(shopper.signed_in for shopper in picked)
    assert any(not shopper.signed_in and shopper.email for shopper in picked)
    with pytest.raises(ValueError, match="seed the store"):
        ShopperPool(customers=(), anonymous=(("1", "a@b.example"),))


# --- responses, environment -------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "problem"),
    [
        (500, b'{"error": "boom"}', "HTTP 500"),
        (200, b"not json", "invalid JSON"),
        (200, b"[1, 2]", "not an object"),
        (200, b'{"events": []}', "no 'responses' list"),
    ],
)
def test_check_response_names_the_problem(
    status: int, body: bytes, problem: str
) -> None:
    data, message = check_response(status, body)
    assert data is None
    assert problem in message


def test_check_response_accepts_an_action_answer() -> None:
    data, message = check_response(200, b'{"events": [], "responses": []}')
    assert data == {"events": [], "responses": []} and message == ""


def test_server_env_points_at_the_bench_store(tmp_path: Path) -> None:
    base = {"SHOPBOT_RETRIEVAL_INDEX": "/nowhere", "PATH": "/bin"}
    env = server_env(
        base, database_url="sqlite:///x.db", spool=tmp_path / "s", retrieval_index=None
    )
    assert env["SHOPBOT_DATABASE_URL"] == "sqlite:///x.db"
    assert env["SHOPBOT_HANDOFF_SPOOL"] == str(tmp_path / "s")
    # Pointed at a folder that does not exist: no fallback to models/retrieval.
    assert env["SHOPBOT_RETRIEVAL_INDEX"] == str(tmp_path / "no-retrieval-index")
    assert env["PATH"] == "/bin" and base["SHOPBOT_RETRIEVAL_INDEX"] == "/nowhere"
    with_index = server_env(
        base,
        database_url="sqlite:///x.db",
        spool=tmp_path / "s",
        retrieval_index=tmp_path,
    )
    assert with_index["SHOPBOT_RETRIEVAL_INDEX"] == str(tmp_path)


def test_retrieval_index_is_the_one_the_server_would_use(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    assert retrieval_index_from_env({"SHOPBOT_RETRIEVAL_INDEX": str(missing)}) is None
    given = {"SHOPBOT_RETRIEVAL_INDEX": str(tmp_path)}
    assert retrieval_index_from_env(given, default=missing) == tmp_path
    assert retrieval_index_from_env({}, default=tmp_path) == tmp_path
    assert retrieval_index_from_env({}, default=missing) is None


# --- the driver against a server that fails one action ----------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def flaky_server() -> AsyncIterator[str]:
    """Answers like rasa-sdk, except HTTP 500 for action_greet after priming."""
    from aiohttp import web

    async def webhook(request: web.Request) -> web.Response:
        call = await request.json()
        Tracker.from_dict(call["tracker"])
        priming = call["sender_id"].startswith("bench-99-")
        if call["next_action"] == "action_greet" and not priming:
            return web.json_response({"error": "boom in greet"}, status=500)
        return web.json_response({"events": [], "responses": [{"text": "ok"}]})

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/health", health)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_driver_reports_which_action_failed_and_why(flaky_server: str) -> None:
    plan = LoadPlan(concurrency=2, rounds=1, warmup=0, with_retrieval=False)
    result = await drive(
        flaky_server,
        plan,
        POOL,
        domain=DOMAIN,
        slot_names=SLOTS,
        secret=DEVELOPMENT_SECRET,
        version="3.6.21",
    )
    assert len(result.errors) == 2
    assert {error.action for error in result.errors} == {"action_greet"}
    assert all(error.status == 500 for error in result.errors)
    assert "boom in greet" in result.errors[0].detail
    # Each round stops at the failure; what ran before it was measured.
    assert list(result.latencies_ms) == ["action_session_start"]
    assert result.calls == 4
    # The priming rounds (one call at a time) ran every action first.
    assert set(result.prime_ms) == EXPECTED_ACTIONS
    assert result.prime_s > 0


def test_load_plan_refuses_no_work() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        LoadPlan(concurrency=0, rounds=1, warmup=0, with_retrieval=False)


# --- the real thing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rounds", "0"], "use 1 or more"),
        (["--concurrency", "x"], "not a whole number"),
        (["--warmup", "-1"], "use 0 or more"),
        (["--think-ms", "-5"], "use 0 or more milliseconds"),
        (["--target-p95-ms", "0"], "use a positive number"),
    ],
)
def test_bad_arguments_are_refused_with_the_reason(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_unseeded_database_is_a_setup_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    code = cli.main(["--database-url", url, "--out", str(tmp_path / "b.json")])
    assert code == cli.EXIT_SETUP
    assert "migrate and seed it" in capsys.readouterr().err
    assert not (tmp_path / "b.json").exists()


def test_short_real_run_writes_figures_of_the_right_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No index (and no fallback to a built models/retrieval): a quick server.
    monkeypatch.setenv("SHOPBOT_RETRIEVAL_INDEX", str(tmp_path / "no-index"))
    out = tmp_path / "reports" / "actions_benchmark.json"
    code = cli.main(
        [
            "--concurrency",
            "2",
            "--rounds",
            "2",
            "--warmup",
            "0",
            "--customers",
            "60",
            "--think-ms",
            "0",
            "--out",
            str(out),
            "--profile",
        ]
    )
    assert code == cli.EXIT_OK
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert set(figures) == EXPECTED_ACTIONS
    for action, values in figures.items():
        assert set(values) == {"p50_ms", "p95_ms"}, action
        assert all(isinstance(value, float) and value > 0 for value in values.values())
        assert values["p50_ms"] <= values["p95_ms"]
    meta = json.loads(meta_path(out).read_text(encoding="utf-8"))
    assert meta["concurrency"] == 2 and meta["rounds"] == 2 and meta["think_ms"] == 0
    assert set(meta["cold_start"]["slowest_call_ms"]) == EXPECTED_ACTIONS
    assert meta["calls_per_action"]["action_greet"] == 4
    assert meta["errors"] == 0
    assert isinstance(meta["churn_model"]["loaded"], bool)
    assert meta["retrieval_index"] is None
    assert meta["machine"]["cpu_count"] >= 1
    assert meta["command"].startswith("python -m actions.bench --concurrency 2")
    assert set(meta["verdicts"]) == EXPECTED_ACTIONS
    profile = (out.parent / "actions_benchmark_profile.txt").read_text(encoding="utf-8")
    assert profile.startswith("In-process service time per action")
    assert "=== action_handoff (cumulative" in profile
