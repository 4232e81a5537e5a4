"""Small-group suppression."""

import pandas as pd

from citisens_core.privacy import SMALL, count_text, is_small, suppress


def test_small_groups_become_less_than_ten_and_lose_their_derived_figures():
    table = pd.DataFrame({"aantal": [0.0, 3.2, 9.4, 9.6, 250.0], "aandeel": [0, .1, .2, .3, .4],
                          "naam": list("abcde")})
    out = suppress(table, "aantal", ["aandeel"])
    assert out["aantal"].tolist() == [0, SMALL, SMALL, 10, 250]
    assert out["aandeel"].tolist()[1:3] == [None, None]
    assert out["aandeel"].tolist()[3] == 0.3
    assert out["naam"].tolist() == list("abcde")


def test_count_text():
    assert count_text(4) == SMALL
    assert count_text(0) == "0"
    assert count_text(1234) == "1.234"
    assert not is_small(0.4) and is_small(0.6)
