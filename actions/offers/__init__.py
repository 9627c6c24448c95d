"""Offers: catalogue, next-best-offer ranking, hold-out arm and budget-safe grants."""
