"""The password policy (accounts.passwords) judges every password, however long, and knows the words a
guesser tries first on a Ukrainian community's appliance: places, slogans, the product, the roles and
the user's own name, with the years and digits people add to them."""

from __future__ import annotations

import pytest

from accounts.passwords import Weakness, weakness


@pytest.mark.parametrize("password", ["a" * 101, "password" * 13, "qwertyuiop" * 11, "a" * 73,
                                      "1234567890" * 8, "password" * 10])
def test_a_long_repeated_password_is_refused(password):
    assert weakness(password, "olena") is not None, f"{len(password)} characters and nothing was checked"


@pytest.mark.parametrize("password", [
    "slavaukraini", "Slava Ukraini!", "SlavaUkraini2026", "Ukraine2026", "Kyiv2026!!", "kyiv-2026",
    "Severynivka2026", "tatarbunary2025", "Odesa2026!", "heroiamslava", "славаукраїні", "Україна2026",
    "Admin12345!", "Police2026!", "dozor-2026!", "Dozor12345",
])
def test_local_words_with_the_usual_additions_are_refused(password):
    assert weakness(password, "olena") is not None, password


def test_a_password_made_of_the_user_name_says_so():
    assert weakness("dozor-admin-1", "admin") in (Weakness.NAME, Weakness.COMMON)
    assert weakness("olena.petrenko1", "olena.petrenko") is Weakness.NAME


@pytest.mark.parametrize("password", [
    "ranok-nad-dniprom",  # the admin page's example of a good one
    "correct horse battery staple 9",
    "Kyiv veterans watch the north road 7",  # a place inside a long passphrase is fine
    "x7#Lq9v!Rm2$" * 7 + "tail",  # 88 characters, strong at both ends
    "a" * 70 + "Vq7#mZ2$kL9!pW4&",  # weak start, strong end: the whole is at least as strong
])
def test_strong_passwords_are_accepted(password):
    assert weakness(password, "olena") is None, password
