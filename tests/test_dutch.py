import math

import pytest

from citisens_core.dutch import interval, join_dutch, number, pct, sentence

# (call, what a Dutch reader must see)
CASES = [
    (lambda: number(12345), "12.345"),
    (lambda: number(2.34, 1), "2,3"),
    (lambda: number(1234567.891, 2), "1.234.567,89"),
    (lambda: number(math.nan), "–"),
    (lambda: number(None), "–"),
    (lambda: pct(0.123), "12 %"),
    (lambda: pct(0.0345, 1), "3,5 %"),
    (lambda: interval(0.09, 0.151), "9–15 %"),
    (lambda: interval(0.1, None), "–"),
    (lambda: join_dutch(["a", "b", "c"]), "a, b en c"),
    (lambda: sentence("geen verbinding"), "geen verbinding."),
    (lambda: sentence("klaar!"), "klaar!"),
]


@pytest.mark.parametrize(("call", "expected"), CASES)
def test_dutch_notation(call, expected):
    assert call() == expected
