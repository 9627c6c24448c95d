"""Build Rasa NLU training and test data from the Bitext customer-support sets.

The public functions are re-exported here; see ``README.md`` for the modules.
"""

from __future__ import annotations

from bot.nlu_data.dedup import DedupResult, Example, deduplicate
from bot.nlu_data.sources import BitextRow, EntitySpan, load_bitext
from bot.nlu_data.split import Split, cross_source_split, heldout_split

__all__ = [
    "BitextRow",
    "DedupResult",
    "EntitySpan",
    "Example",
    "Split",
    "cross_source_split",
    "deduplicate",
    "heldout_split",
    "load_bitext",
]
