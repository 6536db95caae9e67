"""Display names are judged as a stranger on camera reads them: a name that passes for Parley's
own staff is refused however it is spelled, and ordinary names (accents included) are not."""

from __future__ import annotations

import pytest

from services.gateway.people.names import NameRefused, clean


@pytest.mark.parametrize(
    "name",
    [
        "ParIey Safety",  # a capital I for the l: identical in a sans-serif font
        "ParIey",
        "Pa\u0301rley",  # a combining accent on the a
        "\u13e2arley",  # Cherokee TLI for the P
        "\u03a1arley",  # Greek capital rho for the P
        "Moderation Team",
        "P a r l e y",
        "Parley Safety Team \u2714",
    ],
)
def test_a_name_that_reads_as_parley_staff_is_refused(name: str) -> None:
    with pytest.raises(NameRefused):
        clean(name)


@pytest.mark.parametrize("name", ["Isabel", "Ingrid Lind", "José", "Émile", "Radmina", "Zoë"])
def test_ordinary_names_with_capital_is_and_accents_are_kept(name: str) -> None:
    assert clean(name) == name
