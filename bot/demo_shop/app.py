"""The demo shop's aiohttp application.

* ``GET /``: the shop page with the widget.
* ``GET /api/customers``: ``{"customers": [{"id", "name", "tier", "role",
  "purpose"}]}``, the walkthrough customers.
* ``POST /api/session``: ``{"customer_id": int or null}`` →
  ``{"token", "expires_at", "customer"}``.
* ``GET /agent``: 302 to the chat server's agent console.
* ``GET /healthz``: ``{"status": "ok"}``.
* ``GET /static/<file>``: the page's script and stylesheet.

Errors under ``/api/`` are JSON ``{"error": "..."}`` naming the bad value: 400 bad
input, 404 unknown customer, 413 body too large, 503 profile store unavailable.
Store queries run in a worker thread so a slow database never stalls the loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from actions.errors import ActionsError, StoreUnavailableError
from actions.shop import shop_or_neutral
from actions.store.db import engine_for, session_scope
from bot.demo_shop.customers import ShopCustomer, customer_by_id, demo_customers
from bot.demo_shop.errors import SessionRequestError, UnknownCustomerError
from bot.demo_shop.page import PageContext, featured_products, render_page
from bot.demo_shop.sessions import parse_session_request, session_response
from bot.demo_shop.settings import DemoShopSettings

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 16 * 1024
SETTINGS_KEY = web.AppKey("settings", DemoShopSettings)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def api_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """JSON errors under /api/ (aiohttp's defaults are HTML); security headers."""
    try:
        response = await handler(request)
    except web.HTTPException as error:
        if not request.path.startswith("/api/") or error.status < 400:
            raise
        return _json_error(error.status, _http_error_text(request, error))
    except StoreUnavailableError as error:
        logger.warning("The profile store is unavailable: %s", error)
        return _json_error(503, str(error))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def _http_error_text(request: web.Request, error: web.HTTPException) -> str:
    """A message that says what was wrong with the request and what to send."""
    if isinstance(error, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(error.allowed_methods))
        return f"{request.method} is not allowed on {request.path}; use {allowed}."
    if isinstance(error, web.HTTPNotFound):
        return (
            f"No API endpoint {request.path}; use GET /api/customers or "
            "POST /api/session."
        )
    if isinstance(error, web.HTTPRequestEntityTooLarge):
        return (
            f"The request body is over {MAX_BODY_BYTES} bytes; send a small JSON "
            'object such as {"customer_id": 42}.'
        )
    return error.text or error.reason


def _store_url(request: web.Request) -> str:
    return request.app[SETTINGS_KEY].database_url


def _load_demo_customers(url: str) -> list[ShopCustomer]:
    with session_scope(engine_for(url)) as session:
        return demo_customers(session=session)


def _load_customer(url: str, customer_id: int) -> ShopCustomer:
    with session_scope(engine_for(url)) as session:
        customer = customer_by_id(customer_id, session=session)
    if customer is None:
        raise UnknownCustomerError(
            f"No customer has id {customer_id}; GET /api/customers lists the demo "
            "customers (seed the store with `python -m actions.store seed`)."
        )
    return customer


async def index(request: web.Request) -> web.Response:
    """The shop page."""
    settings = request.app[SETTINGS_KEY]
    shop = shop_or_neutral()
    context = PageContext(
        shop_name=shop.name,
        currency=shop.currency or "EUR",
        widget_script_url=settings.widget_script_url,
        socket_url=settings.socket_url,
    )
    return web.Response(
        text=render_page(context, featured_products()), content_type="text/html"
    )


async def list_customers(request: web.Request) -> web.Response:
    """The walkthrough customers the page offers in its picker."""
    customers = await asyncio.to_thread(_load_demo_customers, _store_url(request))
    return web.json_response({"customers": [c.to_json() for c in customers]})


async def create_session(request: web.Request) -> web.Response:
    """Sign a token for the chosen customer (or none for an anonymous shopper)."""
    settings = request.app[SETTINGS_KEY]
    try:
        customer_id = parse_session_request(await request.read())
    except SessionRequestError as error:
        return _json_error(400, str(error))
    customer = None
    if customer_id is not None:
        try:
            customer = await asyncio.to_thread(
                _load_customer, settings.database_url, customer_id
            )
        except UnknownCustomerError as error:
            return _json_error(404, str(error))
    try:
        body = session_response(
            customer,
            secret=settings.token_secret,
            now=time.time(),
            ttl_seconds=settings.token_ttl_seconds,
        )
    except ActionsError as error:
        logger.error("Cannot sign a shopper token: %s", error)
        return _json_error(500, f"Cannot sign a shopper token: {error}")
    if customer is not None:
        logger.info("Minted a shopper token for customer %s.", customer.customer_id)
    return web.json_response(body)


async def agent_console(request: web.Request) -> web.Response:
    """Send agents to the console on the chat server."""
    raise web.HTTPFound(request.app[SETTINGS_KEY].agent_console_url)


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers."""
    return web.json_response({"status": "ok"})


def create_app(settings: DemoShopSettings) -> web.Application:
    """Build the application.

    Args:
        settings: validated settings.

    Returns:
        The aiohttp application (not yet running).
    """
    app = web.Application(middlewares=[api_errors], client_max_size=MAX_BODY_BYTES)
    app[SETTINGS_KEY] = settings
    app.router.add_get("/", index)
    app.router.add_get("/api/customers", list_customers)
    app.router.add_post("/api/session", create_session)
    app.router.add_get("/agent", agent_console)
    app.router.add_get("/healthz", healthz)
    app.router.add_static("/static", STATIC_DIR, show_index=False)
    return app
