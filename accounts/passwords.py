"""The password policy for web and CLI accounts: at least 10 characters, and not one that a guesser
tries early.

"Tries early" is measured by zxcvbn, which ships the 30,000 most common passwords (from leaked
password lists) with English words, names and surnames, and recognises keyboard rows, sequences,
repeats, dates and l33t spellings: a password it expects to fall in fewer than a million guesses is
refused, with the reason. Ukrainian users often type a Latin pattern on the Cyrillic layout
("йцукенгшщз" is "qwertyuiop"), so a password is also judged as the keys it was typed with.
"""

from __future__ import annotations

from enum import StrEnum

MIN_LENGTH = 10
MIN_GUESSES = 1_000_000  # zxcvbn's score 2: "safe from throttled online guessing" and then some
MAX_CHECKED = 100  # zxcvbn's time grows with length; a longer password is long enough

# Ukrainian ЙЦУКЕН keys -> the Latin letters on the same keys
_KEYS = str.maketrans(
    "йцукенгшщзхїфівапролджєячсмитьбюґ",
    "qwertyuiop[]asdfghjkl;'zxcvbnm,.`",
)
# The keyboard patterns, sequences and repeats zxcvbn finds: "too easy to guess"
_PATTERNS = {"spatial", "sequence", "repeat", "date", "regex"}


class Weakness(StrEnum):
    """Why a password is refused, as a code: the admin page translates it (webui/blueprints/users.py),
    the CLI prints `english()`."""

    SHORT = "short"
    COMMON = "common"
    NAME = "name"  # made of the user name
    GUESSABLE = "guessable"

    def english(self) -> str:
        return ENGLISH[self]


ENGLISH = {
    Weakness.SHORT: f"the password must have at least {MIN_LENGTH} characters",
    Weakness.COMMON: "this is one of the most common passwords, or close to one: choose another",
    Weakness.NAME: "the password must not be made of the user name",
    Weakness.GUESSABLE: (
        "the password is too easy to guess (a common word, a keyboard row, a sequence or a date): "
        "make it longer, for example a few unrelated words"
    ),
}


def weakness(password: str, username: str = "") -> Weakness | None:
    """Why `password` may not be used for `username`, or None if it may."""
    from zxcvbn import zxcvbn

    if len(password) < MIN_LENGTH:
        return Weakness.SHORT
    if len(password) > MAX_CHECKED:
        return None
    own_words = [w for w in (username, "dozor", "дозор") if w]
    candidates = {password, password.lower().translate(_KEYS)}
    results = [zxcvbn(candidate, user_inputs=own_words) for candidate in candidates]
    worst = min(results, key=lambda result: result["guesses"])
    if worst["guesses"] >= MIN_GUESSES:
        return None
    dictionaries = {m.get("dictionary_name") for m in worst["sequence"] if m["pattern"] == "dictionary"}
    if "user_inputs" in dictionaries:
        return Weakness.NAME
    patterns = {m["pattern"] for m in worst["sequence"]}
    if "passwords" in dictionaries or not patterns & _PATTERNS:
        return Weakness.COMMON
    return Weakness.GUESSABLE
