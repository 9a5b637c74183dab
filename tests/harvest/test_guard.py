import pytest

from hub.harvest.guard import decide

BASE = dict(full=True, complete=True, listed=100, active_before=100, absent=10, max_share=0.2, min_listing=1)


@pytest.mark.parametrize(
    "changes, action",
    [
        pytest.param({}, "withdraw", id="complete listing, 10% absent"),
        pytest.param({"absent": 0}, "none", id="nothing absent"),
        pytest.param({"absent": 20}, "withdraw", id="exactly at the limit"),
        pytest.param({"absent": 21}, "hold", id="above the limit is held"),
        pytest.param({"absent": 60, "listed": 40}, "hold", id="60% absent is held"),
        pytest.param({"complete": False}, "skip", id="incomplete listing withdraws nothing"),
        pytest.param({"listed": 0, "absent": 100}, "skip", id="empty listing withdraws nothing"),
        pytest.param({"full": False}, "skip", id="incremental never withdraws by absence"),
        pytest.param({"active_before": 0, "absent": 0, "listed": 5}, "none", id="new network"),
    ],
)
def test_decide(changes, action):
    assert decide(**{**BASE, **changes}).action == action


def test_held_decision_says_why():
    d = decide(**{**BASE, "absent": 60, "listed": 40})
    assert "60 of 100" in d.reason and "confirmation" in d.reason


@pytest.mark.parametrize(
    "absent, active, shown",
    [(821, 823, "(99.8%)"), (823, 823, "(100%)"), (300, 823, "(36%)"), (1, 823, "(0.1%)"), (1, 100_000, "(0.001%)")],
)
def test_a_share_is_never_rounded_to_all_or_none_of_the_network(absent, active, shown):
    """A hold read '821 of 823 active instruments (100%) are absent': an operator deciding whether
    the network's whole catalogue went missing could not tell that two were still listed."""
    action = decide(
        full=True, complete=True, listed=max(active - absent, 1), active_before=active, absent=absent, max_share=0.0, min_listing=1
    )
    assert shown in action.reason, action.reason
