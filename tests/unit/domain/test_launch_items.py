"""PREPROD_APPLY's checklist items: « Preprod — lancer le groupe N » is read as a launch, nothing else is."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.verification import ItemRef, read_item


def test_a_preprod_launch_item_is_read_as_a_launch_of_its_group():
    assert read_item("Preprod — lancer le groupe 2\u00a0: CPH, 4 commandes") == ItemRef(
        "Preprod", 2, is_check=False, launch=True
    )
    assert read_item("Preprod — groupe 2\u00a0: CPH, 4 commandes") == ItemRef("Preprod", 2, is_check=False)
    assert read_item("Preprod — vérifier le groupe 2 (CPH : 4 → 0 suivis)") == ItemRef(
        "Preprod", 2, is_check=True
    )


def test_prod_is_never_launched_by_the_bot():
    found = read_item("Prod — lancer le groupe 1 : CHU 75, 4 commandes")  # a forged item
    assert found is not None and not found.launch


@given(st.text())
def test_any_item_name_is_read_or_ignored_never_a_crash(name: str):
    found = read_item(name)
    assert found is None or (found.launch is False or found.environment == "Preprod")
    if found is not None and found.launch:
        assert name.startswith("Preprod — lancer le groupe ")
