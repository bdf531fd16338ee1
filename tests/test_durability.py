"""Deal durability: censoring, out-of-sample scores, the mapping, the CLI and bad inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from detente.cli.common import OneLineErrors
from detente.cli.durability import durability_app
from detente.durability import (
    COVARIATES,
    MODELS,
    FittedResumptionHazard,
    cross_validate,
    get_model,
    load_mapping,
    parse_deal,
    read_agreements,
)
from detente.durability.data import ALL_COVARIATES
from detente.durability.evaluate import (
    group_folds,
    integrated_brier,
    kaplan_meier,
    uno_concordance,
)
from detente.durability.fit import PROTECTIVE, CoxModel, PenalizedCoxModel, WeibullModel
from detente.durability.hazard import default_model
from detente.durability.mapping import parse_mapping
from detente.errors import DetenteError
from tests.conftest import require_module

runner = CliRunner()
UCDP = Path("validation") / "conflict" / "ucdp_peace_agreements_v22.1.csv"


def _app() -> typer.Typer:
    app = typer.Typer(cls=OneLineErrors, add_completion=False, pretty_exceptions_enable=False)
    app.add_typer(durability_app, name="durability")

    @app.callback()
    def _main() -> None:
        """test app"""

    return app


@pytest.fixture(scope="module")
def ucdp(shared_data: Path) -> Path:
    return shared_data / UCDP


@pytest.fixture(scope="module")
def frame(ucdp: Path) -> pd.DataFrame:
    return read_agreements(ucdp).frame


# --- censoring -------------------------------------------------------------------------------


def _weibull_sample(n: int, seed: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """Weibull AFT times, log lambda = b0 + b1 * pko, shape rho, censored at Uniform(0, 6)."""
    truth = {"b0": np.log(3.0), "b1": 0.7, "rho": 1.5}
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, n)
    lam = np.exp(truth["b0"] + truth["b1"] * x)
    t = lam * rng.weibull(truth["rho"], n)
    c = rng.uniform(0, 6, n)
    frame = pd.DataFrame(
        {"years": np.minimum(t, c), "failed": (t <= c).astype(int), "pko": x.astype(float)}
    )
    return frame, truth


def test_weibull_recovers_parameters_under_random_censoring() -> None:
    frame, truth = _weibull_sample(3000, seed=1)
    assert 0.25 < 1 - frame["failed"].mean() < 0.6  # a real share is censored
    model = WeibullModel(covariates=["pko"], penalizer=0.0, robust=False).fit(frame)
    params = model.fitter_.params_
    assert params[("lambda_", "Intercept")] == pytest.approx(truth["b0"], abs=0.06)
    assert params[("lambda_", "pko")] == pytest.approx(truth["b1"], abs=0.08)
    assert model.rho_ == pytest.approx(truth["rho"], abs=0.08)
    # The same data seen by Cox: a Weibull AFT is PH with log hazard ratio -rho * b1.
    cox = CoxModel(covariates=["pko"], penalizer=0.0).fit(frame)
    assert cox.coefficients().loc["pko", "coef"] == pytest.approx(
        -truth["rho"] * truth["b1"], abs=0.1
    )
    # Treating censored times as failures would be badly wrong: the check has teeth.
    naive = WeibullModel(covariates=["pko"], penalizer=0.0, robust=False).fit(
        frame.assign(failed=1)
    )
    assert abs(naive.fitter_.params_[("lambda_", "Intercept")] - truth["b0"]) > 0.2


def test_kaplan_meier_matches_lifelines() -> None:
    from lifelines import KaplanMeierFitter

    frame, _ = _weibull_sample(400, seed=2)
    times = [0.5, 1.0, 3.0, 5.0]
    ours = kaplan_meier(frame["years"].to_numpy(), frame["failed"].to_numpy(), times)
    km = KaplanMeierFitter().fit(frame["years"], frame["failed"])
    assert ours == pytest.approx(km.survival_function_at_times(times).to_numpy(), abs=1e-12)


# --- the UCDP file ---------------------------------------------------------------------------


def test_ucdp_frame_is_clean(ucdp: Path) -> None:
    data = read_agreements(ucdp)
    f = data.frame
    assert list(f.columns) == ["paid", "group", "years", "failed", *ALL_COVARIATES]
    assert (f["years"] > 0).all() and np.isfinite(f["years"]).all()
    assert not f[list(ALL_COVARIATES)].isna().any().any()
    assert set(np.unique(f[list(COVARIATES)])) <= {0, 1}
    assert f[list(ALL_COVARIATES)].min().min() >= 0 and f[list(ALL_COVARIATES)].max().max() <= 1
    assert f["war"].sum() > 0 and f["episode_years"].between(0, 1).all()
    assert data.dropped == {"ended without an end date": 4}
    assert len(f) == 263 and data.n_failed == 93
    assert data.end_of_data == pd.Timestamp("2021-12-31")
    raw = pd.read_csv(ucdp, dtype=str).set_index("paid")
    signed = pd.to_datetime(raw.loc[f["paid"], "pa_date"]).to_numpy()
    stop = signed + pd.to_timedelta(f["years"].to_numpy() * 365.25, unit="D")
    assert (stop <= np.datetime64("2022-01-01")).all()  # nobody is followed past the data
    assert f["interstate"].sum() > 0


# --- out-of-sample scores --------------------------------------------------------------------


def test_folds_are_disjoint_and_keep_conflicts_together(frame: pd.DataFrame) -> None:
    folds = group_folds(frame["group"].to_numpy(), 5, seed=3)
    rows = np.concatenate(folds)
    assert sorted(rows) == list(range(len(frame)))
    fold_of_group = {}
    for f, test in enumerate(folds):
        for g in frame["group"].iloc[test]:
            assert fold_of_group.setdefault(g, f) == f


class _Recording(CoxModel):
    seen: ClassVar[list[set[str]]] = []

    def fit(self, frame: pd.DataFrame) -> _Recording:
        _Recording.seen.append(set(frame["paid"]))
        return super().fit(frame)


def test_cv_scores_each_fold_on_rows_not_used_to_fit(frame: pd.DataFrame) -> None:
    _Recording.seen = []
    cv = cross_validate(_Recording(), frame, k=5, seed=0)
    assert len(_Recording.seen) == 5
    for trained_on, test in zip(_Recording.seen, cv.folds, strict=True):
        assert trained_on.isdisjoint(set(frame["paid"].iloc[test]))
    assert not np.isnan(cv.predicted_failure).any()


def test_shuffled_outcomes_give_chance_concordance(frame: pd.DataFrame) -> None:
    rng = np.random.default_rng(11)
    means = []
    for seed in range(3):
        perm = rng.permutation(len(frame))
        shuffled = frame.copy()
        shuffled[["years", "failed"]] = frame[["years", "failed"]].to_numpy()[perm]
        means.append(cross_validate(CoxModel(), shuffled, k=5, seed=seed).mean)
    assert abs(np.mean(means) - 0.5) < 0.05
    # ... while the in-sample C on the same shuffled data is flattered by fitting noise.
    assert CoxModel().fit(shuffled).concordance(shuffled) > np.mean(means)


# --- the mapping -----------------------------------------------------------------------------

DIRECTION_CASES = [
    ("peacekeepers", "pko", {}),
    ("third_parties", "third_party", {}),
    ("comprehensive", "comprehensive", {}),
    ("autonomy", "terr_prov", {}),
    ("ceasefire", "cease", {}),
    ("guarantees", "pko", {"third_parties": 1.0}),
]


@pytest.mark.parametrize("model_name", list(MODELS))
def test_mapping_moves_p_holds_the_way_the_fitted_sign_says(
    frame: pd.DataFrame, model_name: str
) -> None:
    model = get_model(model_name).fit(frame)
    hazard = FittedResumptionHazard(model, load_mapping())
    direction = model.coefficients()["direction"]
    for term, covariate, rest in DIRECTION_CASES:
        if covariate not in direction.index:
            continue  # not in this model (km; cox_cv on the extended covariates)
        term_map = hazard.mapping.terms[term]
        lo, hi = term_map.scale
        p_without = hazard.p_holds({**rest, term: lo}, 5.0)
        p_with = hazard.p_holds({**rest, term: hi}, 5.0)
        assert np.sign(p_with - p_without) == direction[covariate], (term, covariate)


def test_p_holds_is_the_forecast_and_falls_with_time(frame: pd.DataFrame) -> None:
    hazard = FittedResumptionHazard(CoxModel().fit(frame))
    deal = {"territory": 81.0, "sanctions": 30.0, "guarantees": 60.0}
    result = hazard.forecast(deal, n_draws=200, seed=1)
    direct = [hazard.p_holds(deal, t) for t in result.horizons]
    assert result.p_holds == pytest.approx(direct)
    assert direct[0] >= direct[1] >= direct[2]
    assert (result.lower <= result.p_holds).all() and (result.p_holds <= result.upper).all()
    again = hazard.forecast(deal, n_draws=200, seed=1)
    assert again.lower == pytest.approx(result.lower)  # seeded
    assert "sanctions" in result.no_counterpart
    if result.best is not None:
        assert result.best.p_holds > result.p_holds[-1]


def test_mapping_rules() -> None:
    mapping = load_mapping()
    cov = mapping.covariates({"guarantees": 55.0})
    assert cov["third_party"] == 1.0 and cov["pko"] == pytest.approx(0.5)
    assert cov["interstate"] == 1.0 and cov["cease"] == 1.0  # context
    assert mapping.covariates({"ceasefire": 0.0})["cease"] == 0.0  # a term overrides context
    assert mapping.covariates({"sanctions": 100.0}) == mapping.covariates({})
    assert parse_deal("territory=81, guarantees=60") == {"territory": 81.0, "guarantees": 60.0}


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        ({"terms": {"x": {"scale": [0, 1], "covariates": {"nato": [[0, 0], [1, 1]]}}}}, "nato"),
        ({"terms": {"x": {"scale": [0, 1], "covariates": {"pko": [[0, 0], [2, 1]]}}}}, "pko"),
        ({"terms": {"x": {"scale": [1, 0], "covariates": {}}}}, "scale"),
        ({"context": {"pko": 3}, "terms": {"x": {"covariates": {}}}}, "context.pko"),
        ({"terms": {}}, "terms"),
    ],
)
def test_bad_mapping_is_one_line(doc: dict[str, object], where: str) -> None:
    with pytest.raises(DetenteError) as info:
        parse_mapping(doc, source="m.yaml")
    text = info.value.one_line()
    assert "\n" not in text and text.startswith("m.yaml") and where in text


@pytest.mark.parametrize("deal", ["territory", "territory=abc", "territory=1,territory=2", ""])
def test_bad_deal_is_one_line(deal: str) -> None:
    with pytest.raises(DetenteError) as info:
        parse_deal(deal)
    assert "\n" not in info.value.one_line() and "--deal" in info.value.one_line()


# --- bad files -------------------------------------------------------------------------------


def _edited(ucdp: Path, tmp_path: Path, edit: dict[str, object], row: int = 3) -> Path:
    raw = pd.read_csv(ucdp, dtype=str)
    for col, value in edit.items():
        if value is None:
            raw = raw.drop(columns=[col])
        else:
            raw.loc[row, col] = value
    path = tmp_path / "bad.csv"
    raw.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("edit", "expect"),
    [
        ({"pko": None}, "pko"),
        ({"pa_date": "12/31/99"}, "row 5, column pa_date"),
        ({"pko": "2"}, "row 5, column pko"),
        ({"pa_type": "7"}, "row 5, column pa_type"),
        ({"ended": "maybe"}, "row 5, column ended"),
        ({"ended": "True", "duration": "1900-01-01"}, "row 5, column duration"),
    ],
)
def test_bad_file_is_one_line_naming_file_and_column(
    ucdp: Path, tmp_path: Path, edit: dict[str, object], expect: str
) -> None:
    path = _edited(ucdp, tmp_path, edit)
    strict = "duration" in expect  # an end before the signing is refused with --strict only
    with pytest.raises(DetenteError) as info:
        read_agreements(path, termination=False, strict=strict)
    text = info.value.one_line()
    assert "\n" not in text and str(path) in text and expect in text


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(DetenteError, match="no such file"):
        read_agreements(tmp_path / "nope.csv")


# --- the CLI ---------------------------------------------------------------------------------


def _split(ucdp: Path, tmp_path: Path) -> tuple[Path, Path]:
    raw = pd.read_csv(ucdp, dtype=str)
    first = raw["conflict_id"].str.split(",").str[0]
    test_groups = set(sorted(first.unique())[::3])
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    raw[~first.isin(test_groups)].to_csv(train, index=False)
    raw[first.isin(test_groups)].to_csv(test, index=False)
    return train, test


def test_evaluate_json_has_exactly_the_keys(ucdp: Path, tmp_path: Path) -> None:
    train, test = _split(ucdp, tmp_path)
    args = ["durability", "evaluate", "--train", str(train), "--test", str(test), "--boot", "50"]
    result = runner.invoke(_app(), [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    # the keys other tools read stay numbers at the top level; intervals come beside them
    assert {"c_index", "n_test", "c_index_uno", "ibs"} <= set(doc)
    assert set(doc) == {"c_index", "n_test", "c_index_uno", "ibs", "model", "level", "boot",
                        "seed", "intervals", "calibration"}  # fmt: skip
    for key in ("c_index", "c_index_uno", "ibs"):
        lo, hi = doc["intervals"][key]
        assert lo <= doc[key] <= hi
    assert {(r["group"], r["horizon"]) for r in doc["calibration"]} == {
        (g, t) for g in ("all", "low", "middle", "high") for t in (1.0, 3.0, 5.0)
    }
    assert 0.0 <= doc["c_index"] <= 1.0 and 0.0 <= doc["c_index_uno"] <= 1.0
    assert 0.0 < doc["ibs"] < 0.25
    assert doc["n_test"] == len(read_agreements(test).frame)


def test_predict_json_and_errors(ucdp: Path) -> None:
    args = ["durability", "predict", "ukraine-2024", "--data", str(ucdp), "--draws", "100"]
    ok = runner.invoke(_app(), [*args, "--deal", "territory=81,guarantees=60", "-f", "json"])
    assert ok.exit_code == 0, ok.output
    doc = json.loads(ok.stdout)
    assert [h["years"] for h in doc["horizons"]] == [1.0, 3.0, 5.0]
    hazard = FittedResumptionHazard.packaged()  # the default model is the packaged one
    assert doc["horizons"][2]["p_holds"] == pytest.approx(
        hazard.p_holds({"territory": 81, "guarantees": 60}, 5.0), abs=1e-4
    )
    for bad in ("territory=181", "nato=1", "territory"):
        result = runner.invoke(_app(), [*args, "--deal", bad])
        assert result.exit_code == 2
        assert result.stderr.startswith("error:") and result.stderr.count("\n") == 1


def _with_rows(ucdp: Path, tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """The development file plus agreements (paid, pa_date, duration) that ended."""
    raw = pd.read_csv(ucdp, dtype=str)
    extra = raw.head(len(rows)).copy()
    for i, (paid, signed, end) in enumerate(rows):
        extra.iloc[i, extra.columns.get_loc("paid")] = paid
        extra.iloc[i, extra.columns.get_loc("pa_date")] = signed
        extra.iloc[i, extra.columns.get_loc("duration")] = end
        extra.iloc[i, extra.columns.get_loc("ended")] = "True"
    path = tmp_path / "agreements.csv"
    pd.concat([raw, extra]).to_csv(path, index=False)
    return path


def test_ucdp_year_and_month_precision_and_rows_left_out(ucdp: Path, tmp_path: Path) -> None:
    path = _with_rows(ucdp, tmp_path, [
        ("9024", "2000-08-26", "2000-01-01"),  # year precision (UCDP's agreement 1024)
        ("9025", "2003-05-20", "2003-05-01"),  # month precision
        ("9026", "2003-05-20", "2002-03-04"),  # inconsistent at any precision
    ])  # fmt: skip
    data = read_agreements(path)
    f = data.frame.set_index("paid")
    # Ended between the signing and the year's (month's) end: the midpoint.
    assert f.loc["9024", "years"] == pytest.approx((127 / 2) / 365.25, abs=1 / 365.25)
    assert f.loc["9025", "years"] == pytest.approx((11 / 2) / 365.25, abs=1 / 365.25)
    assert f.loc["9024", "failed"] == 1 and f.loc["9025", "failed"] == 1
    assert "9026" not in f.index
    assert data.dropped == {"ended without an end date": 4, "ends before it was signed": 1}
    with pytest.raises(DetenteError, match="agreement 1470 ended but has no end date"):
        read_agreements(path, strict=True)  # the development file's first such row


def test_evaluate_warns_once_per_reason_and_strict_refuses(ucdp: Path, tmp_path: Path) -> None:
    path = _with_rows(ucdp, tmp_path, [("9026", "2003-05-20", "2002-03-04")])
    args = ["durability", "evaluate", "--train", str(path), "--test", str(ucdp), "-f", "json"]
    result = runner.invoke(_app(), args)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    # The training file: two reasons; the development file: rows without an end date.
    assert len(warnings) == 3
    assert any("left out 1 row: ends before it was signed" in w for w in warnings)
    assert sum("left out 4 rows: ended without an end date" in w for w in warnings) == 2
    assert "c_index" in json.loads(result.stdout)
    refused = runner.invoke(_app(), [*args, "--strict"])
    assert refused.exit_code == 2
    assert "ended but has no end date" in refused.output and "\n" not in refused.output.strip()


# --- Uno's C, the integrated Brier score, the theory-signed model ----------------------------


def _exponential_sample(seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=300)
    t = rng.exponential(np.exp(-x))
    c = rng.uniform(0, 3, 300)
    return x, np.minimum(t, c), (t <= c).astype(int)


def test_uno_c_and_ibs_match_closed_forms_and_scikit_survival() -> None:
    x, y, d = _exponential_sample(0)
    tr, te = slice(0, 200), slice(200, 300)
    # No censoring: every weight is 1 and Uno's C is the share of ordered pairs.
    full = np.ones(200, dtype=int)
    years, risk = np.array([1.0, 2.0, 3.0]), np.array([3.0, 1.0, 2.0])
    assert uno_concordance(y[tr], full, years, np.ones(3), risk, tau=10) == pytest.approx(2 / 3)
    # A perfect forecast (S = 1 until failure, then 0) has Brier score 0 without censoring.
    grid = np.linspace(0.1, 2.0, 20)
    perfect = (years[:, None] > grid[None, :]).astype(float)
    assert integrated_brier(y[tr], full, years, np.ones(3), perfect, grid) == pytest.approx(0)
    sksurv = require_module("sksurv.metrics", "pip install -e '.[dev]'")  # GPL: tests only
    from sksurv.util import Surv

    risk = x[te] + np.random.default_rng(1).normal(0, 0.5, 100)
    st, ss = Surv.from_arrays(d[tr] == 1, y[tr]), Surv.from_arrays(d[te] == 1, y[te])
    assert uno_concordance(y[tr], d[tr], y[te], d[te], risk, 1.5) == pytest.approx(
        sksurv.concordance_index_ipcw(st, ss, risk, tau=1.5)[0], abs=1e-12
    )
    surv = np.exp(-np.exp(x[te])[:, None] * grid[None, :] / 1.0)
    assert integrated_brier(y[tr], d[tr], y[te], d[te], surv, grid) == pytest.approx(
        sksurv.integrated_brier_score(st, ss, surv, grid), abs=1e-12
    )


def test_km_is_the_no_covariate_baseline(frame: pd.DataFrame) -> None:
    cv = cross_validate(get_model("km"), frame, k=5, seed=0, scores_all=True)
    assert cv.c_index == pytest.approx(0.5) and cv.c_index_uno == pytest.approx(0.5)
    assert cv.ibs is not None and 0.1 < cv.interval("ibs")[0] < 0.25


def test_theory_signed_cox_pins_wrong_signed_protective_provisions(frame: pd.DataFrame) -> None:
    free = CoxModel(penalizer=0.1).fit(frame).coefficients()["coef"]
    assert free["third_party"] > 0  # the unconstrained fit raises the hazard with guarantees
    model = PenalizedCoxModel(covariates=list(COVARIATES), penalizer=0.1).fit(frame)
    coef = model.coefficients()["coef"]
    assert "third_party" in model.pinned_
    assert all(coef[c] <= 0 for c in PROTECTIVE if c in coef.index)
    assert set(model.used_).isdisjoint(model.pinned_)


def test_packaged_fit_is_the_default_model_and_chose_its_penalty(frame: pd.DataFrame) -> None:
    from detente.durability.fit import PENALIZERS
    from detente.durability.hazard import CoxParameters

    packaged = CoxParameters.packaged()
    assert packaged.name == "cox_cv" and packaged.penalizer in PENALIZERS
    assert set(packaged.covariates) <= set(COVARIATES)
    assert default_model().get_params()["covariates"] == list(COVARIATES)


PROTECTIVE_TERMS = ("guarantees", "peacekeepers", "demobilisation", "third_parties")


def test_every_mapped_term_cites_its_provision_and_paper() -> None:
    for name, term in load_mapping().terms.items():
        if term.points:
            assert term.reference, f"term {name} has no reference"


@pytest.mark.parametrize("source", ["packaged", "fitted"])
def test_p_holds_never_falls_when_protective_terms_are_added(
    frame: pd.DataFrame, source: str
) -> None:
    """A property over random deals: raising guarantees, peacekeeping or demilitarisation
    never lowers P(holds) at 1, 3 or 5 years (DECISIONS DUR-13)."""
    hazard = (
        FittedResumptionHazard.packaged()
        if source == "packaged"
        else FittedResumptionHazard(default_model().fit(frame))
    )
    mapping = hazard.mapping
    rng = np.random.default_rng(7)
    names = [n for n in mapping.terms if mapping.terms[n].points]
    for _ in range(60):
        deal = {n: float(rng.uniform(*mapping.terms[n].scale)) for n in names if rng.random() < 0.6}
        term = PROTECTIVE_TERMS[int(rng.integers(len(PROTECTIVE_TERMS)))]
        lo, hi = mapping.terms[term].scale
        a, b = np.sort(rng.uniform(lo, hi, 2))
        for years in (1.0, 3.0, 5.0):
            before = hazard.p_holds(deal | {term: float(a)}, years)
            after = hazard.p_holds(deal | {term: float(b)}, years)
            assert after >= before - 1e-12, (deal, term, a, b, years)
