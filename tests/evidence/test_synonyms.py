from evidence import synonyms


def test_circulation_and_blood_flow_are_one_group():
    assert synonyms.canonical("Circulation") == "blood flow"
    assert "circulation" in synonyms.group_of("blood flow")


def test_a_derma_roller_is_microneedling():
    assert synonyms.expand("I bought a derma roller for my scalp") == ("microneedling",)


def test_the_longer_phrase_wins_over_the_one_inside_it():
    # "androgenetic alopecia" is its own group, not "hair loss" via "alopecia".
    assert synonyms.expand("Androgenetic alopecia and thinning") == (
        "androgenetic alopecia",
        "hair loss",
    )


def test_phrases_match_whole_words_only():
    assert synonyms.expand("a toppical serumless uptakes") == ()


def test_an_unknown_phrase_is_its_own_group():
    assert synonyms.group_of("Stem  Cells") == ("stem cells",)
