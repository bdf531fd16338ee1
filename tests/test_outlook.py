"""How wars end (detente.outlook): the Aalen-Johansen estimator by hand, the cause-specific
Cox model, leakage-free grouped cross-validation, the packaged extract, the CLI and bad
inputs."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from detente.cli.common import OneLineErrors
from detente.cli.outlook import outlook_app
from detente.errors import DetenteError
from detente.outlook import (
    AalenJohansen,
    CauseSpecificCox,
    load_reference,
    outside_view,
    pool_log,
    read_episodes,
)
from detente.outlook.evaluate import cross_validate, grouped_folds

runner = CliRunner()
UCDP = Path("validation") / "conflict" / "ucdp_conflict_termination_dyad_v3-2021.csv"
HEADER = (
    "dyad_id,dyadepisode,conflict_id,year,outcome,ependdate,start_date2,type_of_conflict,"
    "incompatibility,intensity_level,region,location,side_a,side_b"
)


def _app() -> typer.Typer:
    app = typer.Typer(cls=OneLineErrors, add_completion=False, pretty_exceptions_enable=False)
    app.add_typer(outlook_app, name="outlook")

    @app.callback()
    def _main() -> None:
        """test app"""

    return app


def _tiny() -> pd.DataFrame:
    """Five episodes: ended by settlement at 1, censored at 2, ceasefire at 2, settlement
    at 3, censored at 4 (years)."""
    return pd.DataFrame(
        {"years": [1.0, 2.0, 2.0, 3.0, 4.0], "cause": [1, 0, 2, 1, 0],
         "group": list("abcde"), "interstate": 0}
    )  # fmt: skip


def test_aalen_johansen_equals_the_hand_computation() -> None:
    # event times 1, 2, 3 with 5, 4, 2 at risk. F_1(1) = 1/5; S(1) = 4/5;
    # F_2(2) = 4/5 * 1/4 = 1/5; S(2) = 3/5; F_1(3) = 1/5 + 3/5 * 1/2 = 1/2.
    aj = AalenJohansen().fit(_tiny())
    f = aj.cif(_tiny().iloc[:1], [0.5, 1, 2, 3, 10])[0]
    np.testing.assert_allclose(f[0], [0, 0.2, 0.2, 0.5, 0.5])
    np.testing.assert_allclose(f[1], [0, 0, 0.2, 0.2, 0.2])
    np.testing.assert_allclose(f[2:], 0)
    # still going at 1.5: F_2 by 2 = 1/4; S = 3/4; F_1 by 3 = 3/4 * 1/2
    g = aj.cif(_tiny().iloc[:1], [0.5, 1.5], since=1.5)[0]
    np.testing.assert_allclose(g[0], [0.0, 0.375])
    np.testing.assert_allclose(g[1], [0.25, 0.25])


def test_a_cox_model_without_varying_covariates_is_the_aalen_johansen() -> None:
    frame = _tiny()
    cox = CauseSpecificCox(covariates=["interstate"]).fit(frame)
    aj = AalenJohansen().fit(frame)
    at = [1, 2, 3, 5]
    np.testing.assert_allclose(cox.cif(frame, at, 0.5), aj.cif(frame, at, 0.5))


def test_aalen_johansen_agrees_with_lifelines(shared_data: Path) -> None:
    from lifelines import AalenJohansenFitter

    frame = read_episodes(shared_data / UCDP).frame
    ours = AalenJohansen().fit(frame).cif(frame.iloc[:1], [1.0, 2.0, 5.0])[0]
    for k in (1, 3):
        fitter = AalenJohansenFitter(calculate_variance=False, seed=0)
        with pytest.warns(Warning):  # lifelines jitters tied times
            fitter.fit(frame["years"], frame["cause"], event_of_interest=k)
        curve = fitter.cumulative_density_.iloc[:, 0]
        theirs = [float(curve.loc[:t].iloc[-1]) for t in (1.0, 2.0, 5.0)]
        np.testing.assert_allclose(ours[k - 1], theirs, atol=0.01)


def test_the_packaged_extract_is_what_the_reader_gives(shared_data: Path) -> None:
    data = read_episodes(shared_data / UCDP)
    packaged = load_reference()
    assert len(packaged) == len(data.frame) == 906
    assert data.dropped == {
        "an ending outcome without an end date (ependdate)": 1,
        "ends before it starts": 4,
        "more than one ending row": 5,
    }
    pd.testing.assert_frame_equal(
        packaged.drop(columns="years"), data.frame.drop(columns="years"), check_dtype=False
    )
    np.testing.assert_allclose(packaged["years"], data.frame["years"], atol=1e-5)


def test_grouped_folds_keep_each_conflict_in_one_fold() -> None:
    groups = pd.Series(["a", "a", "b", "c", "c", "c", "d", "e", "e", "f"])
    fold = grouped_folds(groups, 3, 0)
    for g in groups.unique():
        assert len(set(fold[groups == g])) == 1
    assert set(fold) == {0, 1, 2}
    assert (grouped_folds(groups, 3, 0) == fold).all()
    with pytest.raises(DetenteError, match="7 folds for 6 conflicts"):
        grouped_folds(groups, 7, 0)


def test_cross_validation_never_scores_a_conflict_it_trained_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = load_reference()
    seen: list[set[str]] = []
    original = CauseSpecificCox.fit

    def spy(self: CauseSpecificCox, train: pd.DataFrame) -> CauseSpecificCox:
        seen.append(set(train["group"]))
        return original(self, train)

    monkeypatch.setattr(CauseSpecificCox, "fit", spy)
    cv = cross_validate(frame, folds=3, seed=1)
    assert len(seen) == 3
    for f, train_groups in enumerate(seen):
        test_groups = set(frame.loc[cv.predictions["fold"] == f, "group"])
        assert not train_groups & test_groups
    scores = cv.to_dict()
    assert scores["n"] == 906
    assert set(scores["c_index"]) == {"settlement", "ceasefire", "victory", "low_activity"}
    # the base rate ranks nothing: C = 0.5 in every fold
    assert all(v == 0.5 for v in scores["baseline"]["c_index"].values())


def test_evaluate_prints_the_json_contract() -> None:
    result = runner.invoke(_app(), ["outlook", "evaluate", "--folds", "3"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert {"n", "c_index", "brier_1y"} <= set(got)
    assert got["n"] == 906 and len(got["c_index"]) == len(got["brier_1y"]) == 4


def test_outside_view_of_russia_ukraine() -> None:
    dates = [date(2025, 11, 11), date(2026, 11, 11)]
    view = outside_view("russia-ukraine-2022", dates, as_of=date(2024, 11, 11), n_draws=50)
    assert view.years_so_far == pytest.approx(2.713, abs=1e-3)
    assert (view.lower <= view.p + 1e-12).all() and (view.p <= view.upper + 1e-12).all()
    assert (np.diff(view.p, axis=1) >= -1e-12).all() and view.p.sum(axis=0).max() < 1
    assert len(view.nearest) == 5
    # every nearest case lasted at least as long as the war so far
    assert (view.nearest["years"] >= 2.71).all()
    again = outside_view("russia-ukraine-2022", dates, as_of=date(2024, 11, 11), n_draws=50)
    np.testing.assert_array_equal(view.lower, again.lower)


def test_predict_names_the_problem_in_one_line() -> None:
    result = runner.invoke(_app(), ["outlook", "predict", "--as-of", "2021-01-01"])
    assert result.exit_code == 2
    assert "before the war started (2022-02-24)" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(_app(), ["outlook", "predict", "--war", "nope", "--as-of", "2024-01-01"])
    assert result.exit_code == 2 and "unknown war 'nope'" in result.output


def test_predict_prints_json() -> None:
    result = runner.invoke(
        _app(), ["outlook", "predict", "--as-of", "2024-11-11", "--years", "1", "--draws", "20",
                 "-f", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["dates"] == ["2025-11-11"] and len(got["p"]) == 4 and got["nearest"]


def test_log_pooling() -> None:
    assert pool_log(0.3, 0.1, 1.0) == pytest.approx(0.3)
    assert pool_log(0.3, 0.1, 0.0) == pytest.approx(0.1)
    assert pool_log(0.2, 0.2, 0.5) == pytest.approx(0.2)
    # equal weights: odds are the geometric mean of the odds
    assert pool_log(0.5, 0.2, 0.5) / (1 - pool_log(0.5, 0.2, 0.5)) == pytest.approx(0.5)
    with pytest.raises(DetenteError, match="pooling weight"):
        pool_log(0.5, 0.5, 2.0)


ROWS = {
    "good": "1,1,10,1990,1,6/30/91,3/1/90,2,1,2,1,X,A,B\n1,1,10,1991,,,3/1/90,2,1,2,1,X,A,B\n",
    "backwards": "2,1,11,1995,3,1/1/95,6/1/95,3,2,1,4,Y,C,D\n",
}


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "term.csv"
    path.write_text(HEADER + "\n" + body, encoding="utf-8")
    return path


def test_reading_a_small_file_and_a_dropped_row(tmp_path: Path) -> None:
    data = read_episodes(_csv(tmp_path, ROWS["good"] + ROWS["backwards"]))
    assert data.dropped == {"ends before it starts": 1}
    row = data.frame.iloc[0]
    assert (row["start"], row["end"], row["cause"]) == ("1990-03-01", "1991-06-30", 1)
    assert row["interstate"] == 1 and row["territory"] == 1 and row["europe"] == 1
    with pytest.raises(DetenteError, match=r"term.csv: row 4: dyad episode 2-1 has ends before"):
        read_episodes(_csv(tmp_path, ROWS["good"] + ROWS["backwards"]), strict=True)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("1,1,10,1990,7,,3/1/90,2,1,2,1,X,A,B\n",
         "row 2, column outcome: is '7'; it must be one of 1, 2, 3, 4, 5, 6 or blank"),
        ("1,1,10,1990,1,31/31/90,3/1/90,2,1,2,1,X,A,B\n",
         "row 2, column ependdate: is '31/31/90'; write the date as m/d/yy"),
        ("1,1,10,1990,1,6/30/91,3/1/90,9,1,2,1,X,A,B\n",
         "row 2, column type_of_conflict: is '9'; it must be one of 1, 2, 3, 4"),
    ],
    ids=["outcome", "date", "type"],
)  # fmt: skip
def test_bad_values_are_one_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(DetenteError) as info:
        read_episodes(_csv(tmp_path, body))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_a_missing_column_and_the_cli_warning(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("dyad_id,year\n1,1990\n", encoding="utf-8")
    with pytest.raises(DetenteError, match=r"missing column.*dyadepisode"):
        read_episodes(path)
    result = runner.invoke(_app(), ["outlook", "evaluate", "--data", str(path)])
    assert result.exit_code == 2 and "missing column" in result.output
