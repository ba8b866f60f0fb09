"""Normalisation: Latin and Cyrillic keyboards, separators and OCR confusables give one query."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plate_index.normalise import BadQuery, fold, normalise, parse_query


@pytest.mark.parametrize("typed", ["ве7", "ВЕ7", "BE7", "be-7", " B E 7 ", "в.е/7", "ｂｅ７"])
def test_cyrillic_latin_and_separators_are_one_query(typed):
    assert parse_query(typed) == "BE7"


def test_every_cyrillic_lookalike_folds_to_its_latin_twin():
    assert normalise("АВЕІКМНОРСТХ") == "ABEIKMHOPCTX"
    assert normalise("авеікмнорстх") == "ABEIKMHOPCTX"


def test_ukrainian_plate_typed_in_cyrillic_matches_ocr_text():
    assert normalise("АА 1234 ВХ") == "AA1234BX"


@pytest.mark.parametrize(
    ("a", "b"), [("0", "O"), ("O", "D"), ("D", "Q"), ("1", "I"), ("8", "B"), ("5", "S"), ("2", "Z")]
)
def test_ocr_confusables_fold_together(a, b):
    assert fold(a) == fold(b)


def test_distinct_characters_stay_distinct_after_folding():
    assert fold("BE7") != fold("BE1")
    assert fold("AX") != fold("AK")


def test_letter_that_can_be_on_no_plate_is_reported_not_dropped():
    with pytest.raises(BadQuery, match="'Ж' cannot be on a plate"):
        parse_query("ВЖ7")


@pytest.mark.parametrize("typed", ["", "B7", "B-7", "  ", "--"])
def test_fewer_than_three_characters_is_a_clear_error(typed):
    with pytest.raises(BadQuery, match="at least 3 characters"):
        parse_query(typed)


def test_query_longer_than_any_plate_is_an_error():
    with pytest.raises(BadQuery, match="at most 10"):
        parse_query("AB1234CDEFG")


def test_watchlist_wildcards_are_kept_only_when_asked():
    assert parse_query("BH*AA", wildcards="*?") == "BH*AA"
    assert parse_query("BH*AA") == "BHAA"


_typed = st.text(
    alphabet="АВЕІКМНОРСТХавеікмнорстхABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789 -./", max_size=14
)


@given(_typed)
def test_normalise_is_idempotent_and_plate_charset_only(text):
    once = normalise(text)
    assert normalise(once) == once
    assert set(once) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@given(_typed)
def test_fold_is_idempotent_and_keeps_length(text):
    once = fold(normalise(text))
    assert fold(once) == once
    assert len(once) == len(normalise(text))


@given(_typed)
def test_a_query_either_parses_to_its_normal_form_or_says_why_not(text):
    try:
        parsed = parse_query(text)
    except BadQuery as exc:
        assert str(exc)
    else:
        assert parsed == normalise(text)
        assert 3 <= len(parsed) <= 10
