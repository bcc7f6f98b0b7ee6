import pytest

from evidence.anchoring import AnchorError, locate, occurrences

TEXT = "Needling helps. Blood flow improves. Needling helps, again. The end."


def test_a_quote_found_once_is_placed_with_its_context():
    anchor = locate(TEXT, "Blood flow improves")
    assert TEXT[anchor.start : anchor.end] == "Blood flow improves"
    assert anchor.prefix == "Needling helps. "
    assert anchor.suffix.startswith(". Needling helps, again.")


def test_a_missing_quote_says_so():
    with pytest.raises(AnchorError, match="does not appear"):
        locate(TEXT, "collagen")


def test_an_ambiguous_quote_without_context_asks_for_more_words():
    with pytest.raises(AnchorError, match="appears 2 times"):
        locate(TEXT, "Needling helps")


def test_context_tells_repeated_quotes_apart():
    anchor = locate(TEXT, "Needling helps", prefix="improves. ")
    assert anchor.start == TEXT.rfind("Needling helps")
    anchor = locate(TEXT, "Needling helps", suffix=". Blood")
    assert anchor.start == 0


def test_an_occurrence_number_picks_the_nth_place():
    assert locate(TEXT, "Needling helps", occurrence=2).start == TEXT.rfind("Needling helps")
    with pytest.raises(AnchorError, match="occurrence 3 does not exist"):
        locate(TEXT, "Needling helps", occurrence=3)


def test_the_nearest_place_wins_when_context_cannot_decide():
    assert locate(TEXT, "Needling helps", near=35).start == TEXT.rfind("Needling helps")


def test_overlapping_occurrences_are_all_found():
    assert occurrences("aaaa", "aa") == [0, 1, 2]
