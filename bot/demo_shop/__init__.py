"""A small demo shop page that embeds the shopbot web widget.

``python -m bot.demo_shop --host 127.0.0.1 --port 8000 --chat-url http://localhost:5005``
serves a product page with the widget, a "chat as" picker of the seeded demo
customers, and mints their signed shopper tokens server-side, as a real shop's
backend would for a logged-in customer. See ``bot/web/README.md``.
"""
