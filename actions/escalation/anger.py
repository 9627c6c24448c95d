"""Pure: how angry a shopper's message reads, from 0 (calm) to 1 (furious).

Three kinds of evidence, each an independent chance that the shopper is angry,
combined by noisy-OR: ``score = 1 - prod(1 - w_i)``.

* Lexicon cues (:data:`CUES`): angry words ("worst", "ridiculous", "scam"),
  threats to leave ("cancel my account", "never again", "switching to") and
  swear words, each with a weight. Each cue counts once per message.
* Shouting: at least :data:`MIN_SHOUTED_WORDS` words in capitals; contributes
  :data:`SHOUT_WEIGHT` times the share of capitalised words, so one stressed
  word ("it was due TODAY") counts for nothing. Common acronyms are ignored.
* Repeated exclamation marks ("!!", "?!"): :data:`EXCLAMATION_WEIGHT` per run,
  at most :data:`MAX_EXCLAMATION_RUNS` runs.

Negation is kept simple: an angry or leaving cue preceded, in the same clause,
by one of the last :data:`NEGATION_WINDOW` words being a negator ("not",
"never", "don't", ...) is ignored ("not the worst", "I'm not switching to").
Swear words are never negated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

CueKind = Literal["angry", "leaving", "swear"]


@dataclass(frozen=True)
class Cue:
    """One lexicon entry.

    Attributes:
        label: the phrase as it is reported (e.g. in the risk reasons).
        pattern: a regular expression matched on the lower-cased message.
        weight: the chance, on its own, that the message is angry.
        kind: ``"angry"`` wording, ``"leaving"`` threats, or a ``"swear"`` word.
    """

    label: str
    pattern: str
    weight: float
    kind: CueKind


def _words(*phrases: str) -> str:
    return r"\b(?:" + "|".join(phrases) + r")\b"


CUES: tuple[Cue, ...] = (
    # Angry wording.
    Cue("worst", _words("worst"), 0.35, "angry"),
    Cue("ridiculous", _words("ridiculous", "absurd"), 0.35, "angry"),
    Cue("unacceptable", _words("unacceptable", "not acceptable"), 0.4, "angry"),
    Cue(
        "terrible", _words("terrible", "awful", "horrible", "appalling"), 0.25, "angry"
    ),
    Cue("useless", _words("useless", "pathetic", "incompetent"), 0.35, "angry"),
    Cue("disgusting", _words("disgusting", "disgraceful", "shameful"), 0.35, "angry"),
    Cue("furious", _words("furious", "livid", "outraged", "angry"), 0.45, "angry"),
    Cue("fed up", _words("fed up", "sick of", "sick and tired"), 0.4, "angry"),
    Cue(
        "scam", _words("scam", "scammers?", "rip ?off", "thie(?:f|ves)"), 0.45, "angry"
    ),
    Cue(
        "a joke",
        _words(r"(?:this|that|it)(?: is|'s) a joke", "what a joke", "waste of my time"),
        0.3,
        "angry",
    ),
    Cue(
        "not happy",
        _words("not happy", "not satisfied", "not good enough"),
        0.25,
        "angry",
    ),
    # Threats to leave.
    Cue(
        "cancel my account",
        _words(r"(?:cancel|close|delete) my (?:account|membership)"),
        0.5,
        "leaving",
    ),
    Cue(
        "never again",
        _words("never again", r"never (?:order|buy|shop)\w* (?:here|from you)"),
        0.5,
        "leaving",
    ),
    Cue(
        "switching to",
        _words(
            r"(?:switch\w*|go(?:ing)?|mov(?:e|ing)) (?:over )?to"
            r" (?:another|a different) (?:shop|store|site|website|retailer|company)",
            r"switch\w* (?:over )?to"
            r" (?:amazon|ebay|walmart|temu|aliexpress|a competitor)",
        ),
        0.45,
        "leaving",
    ),
    Cue(
        "shop elsewhere",
        _words(
            r"(?:shop|order|buy)\w* (?:somewhere else|elsewhere)", "take my business"
        ),
        0.45,
        "leaving",
    ),
    Cue("lost a customer", _words(r"lost (?:a|me as a) customer"), 0.5, "leaving"),
    Cue(
        "chargeback",
        _words("charge ?back", "lawyer", "sue you", "report you"),
        0.4,
        "leaving",
    ),
    # Swear words (a few common ones and their starred spellings).
    Cue(
        "swearing",
        _words(r"f+u+c+k\w*", r"f\*+k\w*", "wtf", "bullshit", r"shit\w*", r"sh\*t"),
        0.5,
        "swear",
    ),
    Cue(
        "swearing (mild)",
        _words(r"damn\w*", r"crap\w*", "bloody", "hell"),
        0.25,
        "swear",
    ),
)

SHOUT_WEIGHT = 0.5
MIN_SHOUTED_WORDS = 3
EXCLAMATION_WEIGHT = 0.15
MAX_EXCLAMATION_RUNS = 3
NEGATION_WINDOW = 3
NEGATORS: frozenset[str] = frozenset(
    {"not", "no", "never", "hardly", "nothing", "without", "nor"}
)
# Capitalised words that are names, not shouting.
ACRONYMS: frozenset[str] = frozenset(
    {
        "ok", "id", "us", "uk", "eu", "usa", "tv", "pc", "pdf", "ups", "dhl",
        "usps", "fedex", "faq", "sms", "otp", "vat", "iban", "pin", "atm", "asap",
        "am", "pm", "gps", "url", "app", "iphone", "xl", "xxl",
    }
)  # fmt: skip

_COMPILED: tuple[tuple[Cue, re.Pattern[str]], ...] = tuple(
    (cue, re.compile(cue.pattern)) for cue in CUES
)
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\n]")
_WORD = re.compile(r"[a-z']+")
_TOKEN = re.compile(r"[A-Za-z0-9']+")
_EXCLAMATION_RUN = re.compile(r"[!?]{2,}")


@dataclass(frozen=True)
class AngerReading:
    """How angry one message (or a conversation) reads.

    Attributes:
        score: 0 (calm) to 1 (furious).
        cues: what raised it: lexicon labels, ``"shouting"``, ``"!!!"``.
    """

    score: float
    cues: tuple[str, ...] = ()


def read_anger(text: str) -> AngerReading:
    """Score the wording of one shopper message.

    Args:
        text: the message as typed.

    Returns:
        The score in [0, 1] and the cues that raised it.
    """
    lowered = text.replace("\u2019", "'").lower()
    chances: list[float] = []
    cues: list[str] = []
    for cue, pattern in _COMPILED:
        for match in pattern.finditer(lowered):
            if cue.kind == "swear" or not _negated(lowered[: match.start()]):
                chances.append(cue.weight)
                cues.append(cue.label)
                break
    shout = shouting(text)
    if shout > 0.0:
        chances.append(SHOUT_WEIGHT * shout)
        cues.append("shouting")
    runs = [run for run in _EXCLAMATION_RUN.findall(text) if "!" in run]
    if runs:
        chances.extend([EXCLAMATION_WEIGHT] * min(len(runs), MAX_EXCLAMATION_RUNS))
        cues.append("!!!")
    calm = 1.0
    for chance in chances:
        calm *= 1.0 - chance
    return AngerReading(score=min(1.0, max(0.0, 1.0 - calm)), cues=tuple(cues))


def anger_score(text: str) -> float:
    """The anger score in [0, 1] of one message (see :func:`read_anger`)."""
    return read_anger(text).score


def shouting(text: str) -> float:
    """The share of words written in capitals, 0 below the shouting minimum.

    Words of two or more letters count (``IS``, ``MY``); words with digits
    (order numbers) and known acronyms do not.

    Args:
        text: the message as typed.

    Returns:
        0 when fewer than :data:`MIN_SHOUTED_WORDS` words are in capitals,
        otherwise their share of the counted words.
    """
    words = [
        token
        for token in _TOKEN.findall(text)
        if token.replace("'", "").isalpha()
        and len(token) >= 2
        and token.lower() not in ACRONYMS
    ]
    shouted = sum(1 for word in words if word.isupper())
    if shouted < MIN_SHOUTED_WORDS:
        return 0.0
    return shouted / len(words)


def _negated(before: str) -> bool:
    """Whether the clause ending at a cue has a negator among its last words."""
    clause = _CLAUSE_BREAK.split(before)[-1]
    words = _WORD.findall(clause)[-NEGATION_WINDOW:]
    return any(word in NEGATORS or word.endswith("n't") for word in words)
