"""The deterrence game: textbook properties of its PBE, and agreement with Gambit.

Gambit (pygambit, GPL) is an independent solver used only here: its ``logit_solve`` follows the
principal branch of the agent logit QRE correspondence to its limit (McKelvey, McLennan &
Turocy, Gambit). The comparison skips where pygambit is not installed (fails under
DETENTE_REQUIRE_DATA=1, as in CI). Decisions: DET-9 (PBE compared on the path only), DET-13
(pygambit test-only).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from detente.errors import DetenteError
from detente.games.deterrence import (
    TYPES,
    DeterrenceGame,
    Outcomes,
    TypePayoffs,
    all_pbe,
    challenger_threshold,
    expected_payoffs,
    on_path_distance,
    solve_logit_qre,
    solve_pbe,
    trace_logit,
)
from tests.conftest import require_module

TOL = 1e-3
GAMBIT_INSTALL = "install it with .venv/bin/pip install -e '.[test-gambit]' (make test does)"


def game(
    prior: float,
    *,
    gain: float = 1.0,
    cost: float = 2.0,
    cost_resolute: float | None = None,
    cost_resolute_signal: float = 0.2,
    cost_irresolute_signal: float = 1.5,
    signalling: bool = True,
) -> DeterrenceGame:
    """The classic game: the challenger wins ``gain`` by a concession and loses ``cost`` in war.

    The resolute defender prefers war (-0.5) to conceding (-1); the irresolute one does not (-2).
    ``cost_resolute`` makes war against the resolute type costlier than ``cost``.
    """
    war_r = -(cost if cost_resolute is None else cost_resolute)
    return DeterrenceGame(
        prior_resolve=prior,
        resolute=TypePayoffs(
            Outcomes(0.0, gain, war_r), Outcomes(0.0, -1.0, -0.5), cost_resolute_signal
        ),
        irresolute=TypePayoffs(
            Outcomes(0.0, gain, -cost), Outcomes(0.0, -1.0, -2.0), cost_irresolute_signal
        ),
        signalling=signalling,
    )


# With gain 1 and cost 2 the threshold is p* = 1/3. The resolute type's value of deterring is
# B_R = 0.5 (war avoided), the irresolute type's B_I = 1 (concession avoided).
SETTINGS = {
    "no signal, low prior: escalate": game(0.2, signalling=False),
    "no signal, high prior: deterred": game(0.5, signalling=False),
    "no signal, resolute costlier to fight": game(0.3, cost_resolute=4.0, signalling=False),
    "signal, bluff too dear: separating": game(0.2),
    "signal, bluff pays: semi-separating": game(0.2, cost_irresolute_signal=0.5),
    "signal, signal too dear: pooling on none": game(0.2, cost_resolute_signal=0.6),
    "signal, high prior: separating selected": game(0.5),
    "signal, high prior, cheap signal: pooling on signal": game(
        0.5, cost_resolute_signal=0.1, cost_irresolute_signal=0.5
    ),
}


# --- textbook properties (no Gambit) ---------------------------------------------------------


@pytest.mark.parametrize("gain, cost", [(1.0, 2.0), (3.0, 1.0), (0.5, 0.5)])
def test_threshold_is_gain_over_gain_plus_cost(gain: float, cost: float) -> None:
    g = game(0.5, gain=gain, cost=cost, signalling=False)
    assert challenger_threshold(g) == pytest.approx(gain / (gain + cost))


@pytest.mark.parametrize("prior", [0.05, 0.2, 0.3, 0.34, 0.5, 0.9])
def test_challenger_escalates_iff_prior_below_threshold(prior: float) -> None:
    g = game(prior, signalling=False)
    eq = solve_pbe(g)
    threshold = challenger_threshold(g)
    assert eq.escalate[0] == (1.0 if prior < threshold else 0.0)
    # Equivalently: escalate iff the probability of irresolution exceeds cost / (cost + gain).
    assert eq.escalate[0] == (1.0 if 1 - prior > 2.0 / (2.0 + 1.0) else 0.0)
    np.testing.assert_array_equal(eq.resist[:, 0], [1.0, 0.0])


def test_separating_equilibrium_updates_by_bayes() -> None:
    g = SETTINGS["signal, bluff too dear: separating"]
    eq = solve_pbe(g)
    assert eq.signal is not None
    np.testing.assert_array_equal(eq.signal, [1.0, 0.0])
    p = g.prior_resolve
    # P(R | signal) = p·1 / (p·1 + (1-p)·0) = 1; P(R | none) = p·0 / (p·0 + (1-p)·1) = 0.
    np.testing.assert_array_equal(eq.belief, [0.0, 1.0])
    posterior = p * eq.signal / (p * eq.signal + (1 - p) * eq.signal[::-1])
    assert eq.belief[1] == posterior[0]
    np.testing.assert_array_equal(eq.escalate, [1.0, 0.0])
    assert eq.reached.all()


def test_semi_separating_bluff_leaves_challenger_at_threshold() -> None:
    g = SETTINGS["signal, bluff pays: semi-separating"]
    eq = solve_pbe(g)
    assert eq.signal is not None
    p, threshold = g.prior_resolve, challenger_threshold(g)
    q = eq.signal[1]
    assert 0 < q < 1
    assert eq.signal[0] == 1.0
    assert eq.belief[1] == pytest.approx(p / (p + (1 - p) * q))
    assert eq.belief[1] == pytest.approx(threshold)
    # The irresolute bluffer is indifferent: k_I = (e_none - e_signal) · B_I with B_I = 1.
    assert eq.escalate[0] - eq.escalate[1] == pytest.approx(0.5)
    # Both messages are sent, so every belief follows from Bayes' rule.
    assert eq.reached.all()


def test_every_pbe_is_a_best_response_on_the_path() -> None:
    for g in SETTINGS.values():
        for eq in all_pbe(g):
            challenger, defender = expected_payoffs(g, eq.signal, eq.escalate, eq.resist)
            assert challenger == pytest.approx(eq.challenger_payoff)
            if eq.signal is None:
                continue
            for t in range(2):  # no type gains by switching to a pure message
                for pure in (0.0, 1.0):
                    deviation = eq.signal.copy()
                    deviation[t] = pure
                    _, dev_payoff = expected_payoffs(g, deviation, eq.escalate, eq.resist)
                    assert dev_payoff[t] <= defender[t] + 1e-12


def test_qre_is_uniform_at_zero_and_a_logit_fixed_point() -> None:
    g = SETTINGS["signal, bluff pays: semi-separating"]
    flat = solve_logit_qre(g, 0.0)
    assert all(v == 0.5 for v in flat.behaviour().values())
    lam = 3.0
    eq = solve_logit_qre(g, lam)
    assert eq.signal is not None
    # The irresolute defender's quantal response to the others' play, recomputed by hand.
    _, stay = expected_payoffs(g, np.array([eq.signal[0], 0.0]), eq.escalate, eq.resist)
    _, send = expected_payoffs(g, np.array([eq.signal[0], 1.0]), eq.escalate, eq.resist)
    assert eq.signal[1] == pytest.approx(1 / (1 + math.exp(-lam * (send[1] - stay[1]))))
    # Resist: war beats concession by 0.5 for the resolute type, loses by 1 for the other.
    np.testing.assert_allclose(
        eq.resist[:, 0], [1 / (1 + math.exp(-0.5 * lam)), 1 / (1 + math.exp(lam))]
    )


def test_traced_limit_is_the_pbe() -> None:
    for name, g in SETTINGS.items():
        assert on_path_distance(trace_logit(g), solve_pbe(g)) < TOL, name


@pytest.mark.parametrize(
    "change, where",
    [
        ({"prior_resolve": 1.2}, "prior_resolve"),
        ({"prior_resolve": math.nan}, "prior_resolve"),
        (
            {"resolute": TypePayoffs(Outcomes(0, 1, math.inf), Outcomes(0, -1, -0.5))},
            "resolute.challenger.war",
        ),
        (
            {"irresolute": TypePayoffs(Outcomes(0, 1, -2), Outcomes(0, -1, -2), -0.1)},
            "irresolute.signal_cost",
        ),
        (
            {"resolute": TypePayoffs(Outcomes(0, "1", -2), Outcomes(0, -1, -0.5))},
            "resolute.challenger.concession",
        ),
    ],
)
def test_bad_input_names_the_field(change: dict[str, Any], where: str) -> None:
    base = game(0.3)
    fields = {
        "prior_resolve": base.prior_resolve,
        "resolute": base.resolute,
        "irresolute": base.irresolute,
        "signalling": base.signalling,
    }
    with pytest.raises(DetenteError) as err:
        DeterrenceGame(**(fields | change))
    assert err.value.where == where


def test_negative_precision_is_refused() -> None:
    with pytest.raises(DetenteError, match="precision"):
        solve_logit_qre(game(0.3), -1.0)


# --- agreement with Gambit -------------------------------------------------------------------


def _exact(x: float) -> Fraction:
    return Fraction(str(x))


def to_gambit(g: DeterrenceGame) -> Any:
    """The same game as a Gambit extensive form; information sets labelled as in detente."""
    gbt = require_module("pygambit", GAMBIT_INSTALL)
    tree = gbt.Game.new_tree(players=["challenger", "defender"], title="deterrence")
    tree.append_move(tree.root, tree.players.chance, list(TYPES))
    prior = _exact(g.prior_resolve)
    tree.set_chance_probs(tree.root.infoset, [prior, 1 - prior])
    reach = {}
    for t in TYPES:
        node = tree.root.children[t]
        if g.signalling:
            tree.append_move(node, "defender", ["signal", "none"])
            node.infoset.label = f"signal[{t}]"
        for m in g.messages:
            reach[t, m] = node.children[m] if g.signalling else node
    for m in g.messages:
        members = [reach[t, m] for t in TYPES]  # the challenger does not see the type
        tree.append_move(members, "challenger", ["escalate", "not"])
        members[0].infoset.label = f"escalate[{m}]"
        for t, node in zip(TYPES, members, strict=True):
            pay = getattr(g, t)
            cost = _exact(pay.signal_cost) if m == "signal" else Fraction(0)
            escalated = node.children["escalate"]
            tree.append_move(escalated, "defender", ["resist", "concede"])
            escalated.infoset.label = f"resist[{t},{m}]"
            for end, leaf in (
                ("status_quo", node.children["not"]),
                ("war", escalated.children["resist"]),
                ("concession", escalated.children["concede"]),
            ):
                payoffs = [
                    _exact(getattr(pay.challenger, end)),
                    _exact(getattr(pay.defender, end)) - cost,
                ]
                tree.set_outcome(leaf, tree.add_outcome(f"{t}, {m}, {end}", payoffs))
    return tree


def gambit_logit(g: DeterrenceGame) -> tuple[dict[str, float], set[str]]:
    """Gambit's logit limit as {information set: P(first action)}, and the reached sets."""
    gbt = require_module("pygambit", GAMBIT_INSTALL)
    tree = to_gambit(g)
    assert tree.is_perfect_recall
    profile = gbt.nash.logit_solve(tree).equilibria[0]
    probs = {i.label: float(profile[next(iter(i.actions))]) for i in tree.infosets}
    reached = {i.label for i in tree.infosets if float(profile.infoset_prob(i)) > 1e-6}
    return probs, reached


@pytest.mark.parametrize("name", list(SETTINGS))
def test_traced_qre_limit_matches_gambit(name: str) -> None:
    g = SETTINGS[name]
    expected, _ = gambit_logit(g)
    got = trace_logit(g).behaviour()
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=TOL), key


@pytest.mark.parametrize("name", list(SETTINGS))
def test_pbe_matches_gambit_on_the_path(name: str) -> None:
    g = SETTINGS[name]
    expected, reached = gambit_logit(g)
    got = solve_pbe(g).behaviour()
    for key, value in expected.items():
        if key.startswith("escalate") and key not in reached:
            continue  # off the path a PBE's reply is fixed by its off-path belief, not by logit
        assert got[key] == pytest.approx(value, abs=TOL), key
