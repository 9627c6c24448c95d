"""The chat benchmark against a real running shopbot (the session's
``chat_stack``): the mix parses as meant, and a short level of two shoppers
sending three messages each is accounted for message by message from the
trackers."""

from __future__ import annotations

import random
from typing import Any

from actions.bench.server import load_shopper_pool
from actions.settings import get_settings
from bot.bench.accounting import reconcile
from bot.bench.driver import Endpoints, check_mix, fetch_trackers, run_level
from bot.bench.mix import Persona
from bot.bench.plan import LevelPlan, assign_personas
from bot.bench.report import summarise_level


def _personas(stack: Any, count: int) -> list[Persona]:
    pool = load_shopper_pool(stack.env["SHOPBOT_DATABASE_URL"])
    return assign_personas(
        pool.customers, pool.anonymous, count, 0.5, random.Random(11)
    )


async def test_every_mix_message_parses_as_its_intent(chat_stack: Any) -> None:
    personas = _personas(chat_stack, 2)
    assert {p.signed_in for p in personas} == {True, False}
    problems, latencies = await check_mix(chat_stack.rasa_url, personas)
    assert problems == []
    assert len(latencies) > 20


async def test_a_short_level_loses_and_duplicates_nothing(chat_stack: Any) -> None:
    personas = _personas(chat_stack, 2)
    # Three messages each (one per 0.5 s from a start within the first 0.5 s),
    # sent on time whatever the answers take (no in-flight cap).
    plan = LevelPlan(2, 1.5, 0.5, max_in_flight=0, drain_timeout=120.0, label="t")
    endpoints = Endpoints(chat_stack.shopper_ws, chat_stack.rasa_url)
    run = await run_level(endpoints, plan, personas, get_settings().token_secret)
    figures, meta = summarise_level(run)
    assert meta["shopper_failures"] == {}
    assert meta["messages_sent"] == 6 and meta["messages_answered"] == 6
    assert figures.lost == 0 and figures.duplicated == 0, meta["examples"]
    assert meta["misrouted"] == 0 and meta["paused_sessions"] == 0
    assert meta["anomalous_actions"] == {} and meta["stray_client_ids"] == 0
    assert meta["trackers_read"] == 2 and run.drained
    assert figures.p50_ms is not None and figures.p50_ms > 0
    assert all(r.acks == 1 and r.replies >= 1 for r in run.records)
    # The accounting reads the real trackers: judged against each other's
    # tracker, every message is lost and every id is a stray.
    sessions = run.records_by_session()
    first, second = list(sessions)
    swapped = {first: run.trackers[second], second: run.trackers[first]}
    wrong = reconcile(sessions, swapped)
    assert wrong.lost == 6 and wrong.stray == 6
    # A session nobody talked in has no messages in its tracker.
    empty, unread = await fetch_trackers(chat_stack.rasa_url, ["no-such-session-1"])
    assert unread == {} and empty["no-such-session-1"].entries == {}


async def test_the_in_flight_cap_holds_each_message_until_an_answer(
    chat_stack: Any,
) -> None:
    # One message due every 50 ms: far quicker than the bot answers.
    plan = LevelPlan(1, 2.0, 0.05, max_in_flight=1, label="cap")
    endpoints = Endpoints(chat_stack.shopper_ws, chat_stack.rasa_url)
    run = await run_level(
        endpoints, plan, _personas(chat_stack, 1), get_settings().token_secret
    )
    sent = [r for r in run.records if r.sent_at is not None]
    assert 1 < len(sent) < len(run.records)
    for before, after in zip(sent, sent[1:], strict=False):
        assert before.first_reply_at is not None and after.sent_at is not None
        assert after.sent_at >= before.first_reply_at
    figures, meta = summarise_level(run)
    assert figures.lost == 0 and figures.duplicated == 0
    assert meta["sends_deferred"] >= 1 and meta["messages_unsent"] >= 1
