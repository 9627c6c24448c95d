"""Rasa input channels used by shopbot."""
