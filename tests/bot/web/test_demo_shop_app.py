"""The demo shop's HTTP API and page, in-process on a seeded store."""

from __future__ import annotations

import re
import time

import pytest
from aiohttp.test_utils import TestClient

from actions.identity.tokens import verify_token
from actions.shop import get_shop_config
from tests.bot.web.helpers import CHAT_URL, TEST_SECRET


async def test_healthz(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_page_embeds_the_widget_from_the_chat_server(client: TestClient) -> None:
    response = await client.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    assert get_shop_config().name in page
    assert f'<script src="{CHAT_URL}/webhooks/shopbot/static/widget.js">' in page
    assert '"socketUrl": "ws://chat.test:5005/webhooks/shopbot/ws"' in page
    assert 'data-testid="chat-as"' in page
    assert len(re.findall(r'<li class="product">', page)) == 6
    script = await client.get("/static/shop.js")
    assert script.status == 200
    assert "ShopbotWidget.init" in await script.text()


async def test_customers_are_the_walkthrough_roles_without_emails(
    client: TestClient, demo_roles: dict[str, int]
) -> None:
    response = await client.get("/api/customers")
    assert response.status == 200
    customers = (await response.json())["customers"]
    assert {c["role"]: c["id"] for c in customers} == demo_roles
    for customer in customers:
        assert set(customer) == {"id", "name", "tier", "role", "purpose"}
        assert customer["name"] and customer["tier"] in {
            "bronze",
            "silver",
            "gold",
            "platinum",
        }
    assert "@" not in await response.text()


async def test_session_for_a_customer_signs_a_valid_token(
    client: TestClient, demo_roles: dict[str, int]
) -> None:
    customer_id = demo_roles["high_risk"]
    response = await client.post("/api/session", json={"customer_id": customer_id})
    assert response.status == 200
    body = await response.json()
    identity = verify_token(body["token"], TEST_SECRET, time.time())
    assert identity.customer_id == customer_id
    assert 590 <= identity.expires_at - time.time() <= 600
    assert body["expires_at"].endswith("Z")
    assert body["customer"]["id"] == customer_id
    assert body["customer"]["role"] == "high_risk"


async def test_session_for_an_anonymous_shopper(client: TestClient) -> None:
    response = await client.post("/api/session", json={"customer_id": None})
    assert response.status == 200
    assert await response.json() == {
        "token": None,
        "expires_at": None,
        "customer": None,
    }


async def test_unknown_customer_is_404_naming_the_id(client: TestClient) -> None:
    response = await client.post("/api/session", json={"customer_id": 987654})
    assert response.status == 404
    assert "987654" in (await response.json())["error"]


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ("{not json", "not JSON"),
        ('{"customer_id": "12"}', "'customer_id' is \"12\""),
        ('{"customer_id": 1.0}', "'customer_id' is 1.0"),
        ('{"customer_id": false}', "'customer_id' is false"),
        ('{"id": 12}', "'customer_id' is missing"),
        ("[12]", "not an object"),
    ],
)
async def test_bad_session_requests_are_400_naming_the_problem(
    client: TestClient, body: str, names: str
) -> None:
    response = await client.post(
        "/api/session", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert names in (await response.json())["error"]


async def test_oversized_body_is_413_json(client: TestClient) -> None:
    response = await client.post("/api/session", data=b"{" + b" " * 20000 + b"}")
    assert response.status == 413
    assert "over 16384 bytes" in (await response.json())["error"]


async def test_api_method_and_path_errors_are_json(client: TestClient) -> None:
    wrong_method = await client.get("/api/session")
    assert wrong_method.status == 405
    assert "use POST" in (await wrong_method.json())["error"]
    missing = await client.get("/api/nothing-here")
    assert missing.status == 404
    assert "/api/nothing-here" in (await missing.json())["error"]


async def test_agent_redirects_to_the_console(client: TestClient) -> None:
    response = await client.get("/agent", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == f"{CHAT_URL}/webhooks/shopbot/agent"


async def test_unmigrated_store_is_503_not_a_crash(
    storeless_client: TestClient,
) -> None:
    customers = await storeless_client.get("/api/customers")
    assert customers.status == 503
    assert "never-migrated.db" in (await customers.json())["error"]
    session = await storeless_client.post("/api/session", json={"customer_id": 1})
    assert session.status == 503
    # Anonymous shoppers need no store at all.
    anonymous = await storeless_client.post("/api/session", json={"customer_id": None})
    assert anonymous.status == 200
