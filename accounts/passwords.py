"""The password policy for web and CLI accounts: at least 10 characters, and not one that a guesser
tries early.

"Tries early" is measured by zxcvbn, which ships the 30,000 most common passwords (from leaked
password lists) with English words, names and surnames, and recognises keyboard rows, sequences,
repeats, dates and l33t spellings: a password it expects to fall in fewer than a million guesses is
refused, with the reason. Its lists are English, so it is also given the words a guesser tries first
here (LOCAL_WORDS: Ukrainian places, slogans, the product and the roles, the years people append) and
the user's own name; a password made only of those words with a few digits and symbols around them is
refused outright (zxcvbn prices "Kyiv2026!!" at 10^8 guesses, but it is a guessing tool's first rule).
Ukrainian users often type a Latin pattern on the Cyrillic layout ("йцукенгшщз" is
"qwertyuiop"), so a password is also judged as the keys it was typed with. zxcvbn takes at most
MAX_CHECKED characters (its time grows with length); a longer password is judged by its first and its
last MAX_CHECKED, and is as strong as the stronger of the two at least.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from enum import StrEnum

MIN_LENGTH = 10
MIN_GUESSES = 1_000_000  # zxcvbn's score 2: "safe from throttled online guessing" and then some
MAX_CHECKED = 72  # zxcvbn refuses longer ones (ValueError)
EXTRA = 6  # digits and symbols around known words that still make a guesser's first try

# What a guesser tries first on a Ukrainian community's appliance, in the order they would; zxcvbn ranks
# a word by its place in the list. Latin spellings as people type them, and the Cyrillic ones.
LOCAL_WORDS = (
    "dozor", "дозор", "admin", "police", "politsiia", "policia", "volunteer", "camera", "kamera", "cctv",
    "slavaukraini", "slava", "ukraini", "heroiamslava", "geroyamslava", "heroyam", "slavanatsii",
    "putinhuilo", "ukraine", "ukraina", "ukrayina", "україна", "славаукраїні", "слава", "україні",
    "героямслава", "kyiv", "kiev", "київ", "odesa", "odessa", "одеса", "kharkiv", "харків", "lviv", "львів",
    "dnipro", "дніпро", "zaporizhzhia", "mykolaiv", "kherson", "chernihiv", "sumy", "poltava", "vinnytsia",
    "zhytomyr", "rivne", "lutsk", "ternopil", "khmelnytskyi", "chernivtsi", "uzhhorod", "ivanofrankivsk",
    "kropyvnytskyi", "cherkasy", "donetsk", "luhansk", "krym", "crimea", "mariupol", "bakhmut", "bucha",
    "irpin", "izmail", "bilhorod", "tatarbunary", "severynivka", "hromada", "selo", "rada", "doroha",
    "zsu", "azov", "bayraktar", "javelin", "neptun",
    *(str(year) for year in range(2026, 2014, -1)),  # zxcvbn's own "recent years" end at 2019
)

# Ukrainian ЙЦУКЕН keys -> the Latin letters on the same keys
_KEYS = str.maketrans(
    "йцукенгшщзхїфівапролджєячсмитьбюґ",
    "qwertyuiop[]asdfghjkl;'zxcvbnm,.`",
)
# The keyboard patterns, sequences and repeats zxcvbn finds: "too easy to guess"
_PATTERNS = {"spatial", "sequence", "repeat", "date", "regex"}
_ZXCVBN = threading.Lock()


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
    if len(password) < MIN_LENGTH:
        return Weakness.SHORT
    own = [username.lower(), *re.split(r"[._-]", username.lower())]
    own_words = [w for w in dict.fromkeys(own) if len(w) >= 3]
    if _made_of(password, (*own_words, *LOCAL_WORDS)):
        return Weakness.NAME if any(w in password.lower() for w in own_words) else Weakness.COMMON
    candidates = {password, password.lower().translate(_KEYS)}
    worst = min((_judged(candidate, own_words) for candidate in candidates), key=lambda r: r["guesses"])
    if worst["guesses"] >= MIN_GUESSES:
        return None
    dictionaries = {m.get("dictionary_name") for m in worst["sequence"] if m["pattern"] == "dictionary"}
    matched = {m.get("matched_word") for m in worst["sequence"] if m.get("dictionary_name") == "user_inputs"}
    if matched & set(own_words):
        return Weakness.NAME
    patterns = {m["pattern"] for m in worst["sequence"]}
    if dictionaries & {"passwords", "user_inputs"} or not patterns & _PATTERNS:
        return Weakness.COMMON
    return Weakness.GUESSABLE


def _made_of(password: str, words: Iterable[str]) -> bool:
    """Whether `password` is only `words` (any case, with spaces, dots, dashes between them) plus a few
    digits and symbols before or after: the first rule of every guessing tool ("Kyiv2026!!", "Admin12345!",
    "dozor-admin-1"), which zxcvbn prices at 10^7 guesses or more."""
    names = sorted({w for w in words if not w.isdigit()}, key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in names)
    pattern = rf"[\W\d_]{{0,{EXTRA}}}(?:(?:{alternatives})[\s._-]*)+[\W\d_]{{0,{EXTRA}}}"
    return re.fullmatch(pattern, password.lower()) is not None


def _judged(password: str, own_words: list[str]) -> dict:
    """zxcvbn's result for `password`. A password that only repeats a part is judged by two rounds of
    it; past MAX_CHECKED characters, by the stronger of its two ends (the whole is at least as hard to
    guess as any part of it)."""
    from zxcvbn import zxcvbn

    period = _period(password, MAX_CHECKED // 2)
    if period:
        password = password[: 2 * period]
    ends = {password[:MAX_CHECKED], password[-MAX_CHECKED:]}
    with _ZXCVBN:  # it keeps the user inputs in a module-level dictionary
        results = [zxcvbn(end, user_inputs=[*own_words, *LOCAL_WORDS]) for end in ends]
    return max(results, key=lambda result: result["guesses"])


def _period(text: str, longest: int) -> int:
    """The length of the shortest part, at most `longest`, that `text` repeats ("abcabcab": 3); 0 if none."""
    for size in range(1, min(longest, len(text) // 2) + 1):
        if all(text[i] == text[i - size] for i in range(size, len(text))):
            return size
    return 0
