"""The crawl's English check itself (tests/browser/crawl.py), without a browser."""

from tests.browser.crawl import english_words

NOTHING_ALLOWED: tuple[set[str], list] = (set(), [])


def test_a_masked_value_is_data_not_english():
    assert english_words(["证件号码 913101********J12G 地址 1 Harb**********"], NOTHING_ALLOWED) == set()


def test_an_english_word_beside_a_masked_value_is_still_found():
    assert english_words(["证件号码 913101********J12G Reveal"], NOTHING_ALLOWED) == {"Reveal"}
