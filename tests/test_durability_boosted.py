"""Issue 17 §1: the gradient-boosted Cox model (``xgb``), grouped bootstrap intervals and the
diagnostics (learning curve, permutation importance)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detente.durability import MODELS, read_agreements
from detente.durability.boosted import BoostedCoxModel, breslow_cumulative_hazard
from detente.durability.diagnostics import learning_curve, permutation_importance
from detente.durability.evaluate import (
    cross_validate,
    evaluate_cv,
    evaluate_holdout,
)
from detente.durability.fit import CoxModel
from detente.errors import DetenteError
from detente.registry import REGISTRY
from detente.testing import check_model

UCDP = Path("validation") / "conflict" / "ucdp_peace_agreements_v22.1.csv"


@pytest.fixture(scope="module")
def frame(shared_data: Path) -> pd.DataFrame:
    return read_agreements(shared_data / UCDP).frame


def _synthetic(conflicts: int, seed: int, per: int = 3, beta: float = 1.5) -> pd.DataFrame:
    """``per`` agreements per conflict; hazard exp(beta * strong) with a shared conflict
    frailty; ``noise`` has no effect; censored at Uniform(0.5, 8) years."""
    rng = np.random.default_rng(seed)
    n = conflicts * per
    group = np.repeat([f"c{i}" for i in range(conflicts)], per)
    frailty = np.repeat(rng.normal(0, 0.3, conflicts), per)
    strong = rng.integers(0, 2, n).astype(float)
    noise = rng.integers(0, 2, n).astype(float)
    rate = 0.3 * np.exp(beta * strong + frailty)
    t = rng.exponential(1 / rate)
    c = rng.uniform(0.5, 8, n)
    return pd.DataFrame(
        {
            "years": np.maximum(np.minimum(t, c), 1e-3),
            "failed": (t <= c).astype(int),
            "group": group,
            "strong": strong,
            "noise": noise,
        }
    )


# --- the model -------------------------------------------------------------------------------


def test_xgb_is_registered() -> None:
    assert MODELS["xgb"] is BoostedCoxModel and REGISTRY["xgb"] is BoostedCoxModel


def test_xgb_passes_the_conformance_check(frame: pd.DataFrame) -> None:
    check_model(BoostedCoxModel, frame)


def test_xgb_is_deterministic_and_its_seed_matters(frame: pd.DataFrame) -> None:
    a = BoostedCoxModel(seed=3).fit(frame)
    b = BoostedCoxModel(seed=3).fit(frame)
    np.testing.assert_array_equal(a.survival(frame, [1, 3, 5]), b.survival(frame, [1, 3, 5]))
    draws_a = a.survival_draws(frame.head(4), [1, 5], 5, np.random.default_rng(1))
    draws_b = b.survival_draws(frame.head(4), [1, 5], 5, np.random.default_rng(1))
    np.testing.assert_array_equal(draws_a, draws_b)
    # row subsampling draws from the seed: another seed gives another model
    other = BoostedCoxModel(seed=4).fit(frame)
    assert not np.array_equal(a.risk(frame), other.risk(frame))


def test_xgb_survival_is_a_survival_curve(frame: pd.DataFrame) -> None:
    model = BoostedCoxModel().fit(frame)
    s = model.survival(frame, [0.5, 1, 3, 5, 10])
    assert np.all((s > 0) & (s <= 1)) and np.all(np.diff(s, axis=1) <= 0)
    # a higher risk score gives a lower survival at every time
    order = np.argsort(model.risk(frame))
    assert np.all(np.diff(s[order, 2]) <= 1e-12)


def test_xgb_protective_provisions_never_lower_p_holds(frame: pd.DataFrame) -> None:
    model = BoostedCoxModel().fit(frame)
    rng = np.random.default_rng(0)
    deals = frame.sample(60, random_state=1).reset_index(drop=True)
    for col in ("pko", "third_party", "ddr", "withd", "intarmy"):
        without = deals.assign(**{col: 0.0})
        with_it = deals.assign(**{col: 1.0})
        t = [float(rng.uniform(0.5, 5))]
        assert np.all(model.survival(with_it, t) >= model.survival(without, t) - 1e-12), col
    # the constraint has teeth: unconstrained, some deal loses P(holds) from a provision
    free = BoostedCoxModel(protective=()).fit(frame)
    worse = [
        np.any(free.survival(deals.assign(**{c: 1.0}), [5]) < free.survival(
            deals.assign(**{c: 0.0}), [5]) - 1e-9)
        for c in ("pko", "third_party", "ddr", "withd", "intarmy")
    ]  # fmt: skip
    assert any(worse)


def test_xgb_finds_a_planted_effect_out_of_fold() -> None:
    data = _synthetic(150, seed=2)
    model = BoostedCoxModel(covariates=["strong", "noise"], n_estimators=100)
    assert cross_validate(model, data, k=5, seed=0).mean > 0.62
    shuffled = data.assign(strong=data["strong"].sample(frac=1, random_state=0).to_numpy())
    assert cross_validate(model, shuffled, k=5, seed=0).mean < 0.56


def test_breslow_matches_lifelines_cox_baseline() -> None:
    data = _synthetic(60, seed=5)
    cox = CoxModel(covariates=["strong", "noise"], penalizer=0.0).fit(data)
    times = [0.5, 1.0, 2.0, 4.0]
    risk = cox.risk(data)
    h0 = breslow_cumulative_hazard(data["years"], data["failed"], risk, times)
    s = np.exp(-np.exp(risk)[:, None] * h0[None, :])
    # lifelines interpolates between event times, the step function does not: close, not equal
    np.testing.assert_allclose(s, cox.survival(data, times), atol=0.02)


# --- grouped bootstrap intervals --------------------------------------------------------------


def test_bootstrap_interval_contains_the_estimate_and_narrows_with_more_data() -> None:
    model = CoxModel(covariates=["strong", "noise"], penalizer=0.01)
    widths = []
    for conflicts in (40, 320):
        data = _synthetic(conflicts, seed=7)
        ev = evaluate_cv(model, data, k=5, seed=0, boot=200)
        for score in ("c_index", "c_index_uno", "ibs"):
            lo, hi = ev.intervals[score]
            assert lo <= ev.scores[score] <= hi, (conflicts, score)
        cal = ev.calibration
        assert np.all(cal["observed_lower"] <= cal["observed_upper"])
        lo, hi = ev.intervals["c_index"]
        widths.append(hi - lo)
    assert widths[1] < 0.6 * widths[0]  # 8 times the conflicts: about 1/sqrt(8) the width


def test_bootstrap_point_estimates_are_the_cross_validation_scores() -> None:
    data = _synthetic(50, seed=3)
    model = CoxModel(covariates=["strong", "noise"], penalizer=0.01)
    cv = cross_validate(model, data, k=5, seed=1, scores_all=True)
    ev = evaluate_cv(model, data, k=5, seed=1, boot=0)
    assert ev.scores["c_index"] == pytest.approx(cv.mean, abs=1e-12)
    assert ev.scores["c_index_uno"] == pytest.approx(np.mean(cv.c_index_uno), abs=1e-12)
    assert ev.scores["ibs"] == pytest.approx(np.mean(cv.ibs), abs=1e-12)


def test_bootstrap_is_seeded_and_resamples_whole_conflicts() -> None:
    train, test = _synthetic(40, seed=1), _synthetic(30, seed=2)
    model = CoxModel(covariates=["strong", "noise"])
    a = evaluate_holdout(model, train, test, seed=5, boot=100)
    b = evaluate_holdout(model, train, test, seed=5, boot=100)
    c = evaluate_holdout(model, train, test, seed=6, boot=100)
    assert a.intervals == b.intervals and a.intervals != c.intervals
    # one conflict of all rows: a grouped resample can only redraw it, so no spread
    one = test.assign(group="only")
    d = evaluate_holdout(model, train, one, seed=5, boot=50)
    lo, hi = d.intervals["c_index"]
    assert lo == pytest.approx(hi) == pytest.approx(d.scores["c_index"])


def test_bad_bootstrap_settings_are_domain_errors() -> None:
    data = _synthetic(20, seed=1)
    with pytest.raises(DetenteError, match="--boot"):
        evaluate_cv(CoxModel(covariates=["strong"]), data, k=3, boot=-1)
    with pytest.raises(DetenteError, match="--level"):
        evaluate_cv(CoxModel(covariates=["strong"]), data, k=3, level=1.5)


# --- diagnostics -------------------------------------------------------------------------------


def test_permutation_importance_ranks_the_planted_covariate_first_and_noise_near_zero() -> None:
    data = _synthetic(120, seed=4)
    data["noise2"] = np.random.default_rng(9).normal(size=len(data))
    model = CoxModel(covariates=["strong", "noise", "noise2"], penalizer=0.01)
    imp = permutation_importance(model, data, ["noise", "strong", "noise2"], k=5, seed=0)
    assert imp["feature"].iloc[0] == "strong"
    drops = imp.set_index("feature")["drop"]
    assert drops["strong"] > 0.08
    assert abs(drops["noise"]) < 0.02 and abs(drops["noise2"]) < 0.02


def test_learning_curve_rises_with_training_conflicts() -> None:
    data = _synthetic(160, seed=6, beta=1.0)
    model = CoxModel(covariates=["strong", "noise"], penalizer=0.01)
    curve = learning_curve(model, data, shares=(0.05, 1.0), k=5, repeats=3, seed=0)
    assert list(curve["share"]) == [0.05, 1.0]
    assert curve["conflicts"].iloc[0] < curve["conflicts"].iloc[1]
    assert curve["c_index"].iloc[1] > 0.6
    assert curve["c_index"].iloc[1] >= curve["c_index"].iloc[0] - 0.01
    with pytest.raises(DetenteError, match="shares"):
        learning_curve(model, data, shares=(0.0,))


# --- the command ---------------------------------------------------------------------------------


def test_evaluate_cross_validates_without_test_and_prints_the_calibration(
    shared_data: Path,
) -> None:
    from typer.testing import CliRunner

    from tests.test_durability import _app

    path = shared_data / UCDP
    args = ["durability", "evaluate", "--train", str(path), "--model", "xgb", "--boot", "30"]
    result = CliRunner().invoke(_app(), [*args, "-f", "json", "--groups", "2"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["model"] == "xgb" and doc["n_test"] == 263 and doc["boot"] == 30
    assert {r["group"] for r in doc["calibration"]} == {"all", "q1", "q2"}
    table = CliRunner().invoke(_app(), args)
    assert table.exit_code == 0 and "Uno's C" in table.stdout and "observed" in table.stdout
    bad = CliRunner().invoke(_app(), [*args, "--level", "2"])
    assert bad.exit_code == 2 and "--level" in bad.output


def test_evaluation_json_has_no_nan_without_resamples() -> None:
    train, test = _synthetic(30, seed=1), _synthetic(20, seed=2)
    ev = evaluate_holdout(CoxModel(covariates=["strong"]), train, test, boot=0)
    doc = json.loads(json.dumps(ev.to_dict(), allow_nan=False))
    assert doc["intervals"]["c_index"] == [None, None] and doc["c_index"] > 0.5
