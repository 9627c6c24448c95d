"""shopbot's custom actions, served by the rasa-sdk action server.

rasa-sdk imports every submodule at start-up, so no module here does any work
at import time: shop.yml is read lazily through :func:`actions.shop.get_shop_config`.
"""
