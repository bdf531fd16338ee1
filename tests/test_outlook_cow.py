"""The outlook's second reference class (CoW inter-state wars with NMC capabilities), the
bootstrap intervals and the shrinkage weight (issue 17 §2; DECISIONS OUT-9..OUT-14)."""

from __future__ import annotations

import csv
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
from detente.outlook import AalenJohansen, outside_view
from detente.outlook.cow import load_cow, read_cow_wars, read_nmc, russia_ukraine_share
from detente.outlook.evaluate import WEIGHTS, _pooled_brier, calibration_table, cross_validate
from detente.outlook.view import RUSSIA_UKRAINE_SHARE_2007, fitted

runner = CliRunner()
FOLDER = Path("validation") / "conflict"
WARS = FOLDER / "cow_Inter-StateWarData_v4.0.csv"
NMC = FOLDER / "cow_NMC_v4_0.csv"
DATES = [date(2025, 11, 11), date(2026, 11, 11)]
AS_OF = date(2024, 11, 11)


def _app() -> typer.Typer:
    app = typer.Typer(cls=OneLineErrors, add_completion=False, pretty_exceptions_enable=False)
    app.add_typer(outlook_app, name="outlook")

    @app.callback()
    def _main() -> None:
        """test app"""

    return app


def _cinc_by_hand(path: Path, year: int, codes: list[int]) -> float:
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if int(r["year"]) == year]
    return sum(float(r["cinc"]) for r in rows if int(r["ccode"]) in codes)


@pytest.fixture(scope="module")
def cow(shared_data: Path) -> pd.DataFrame:
    data = read_cow_wars(shared_data / WARS, shared_data / NMC)
    assert data.dropped == {}
    return data.frame.set_index("name")


def test_the_reader_gives_one_row_per_war_with_the_mapped_endings(cow: pd.DataFrame) -> None:
    assert len(cow) == 95
    assert cow["cause"].value_counts().to_dict() == {3: 77, 2: 8, 0: 8, 1: 2}
    fs = cow.loc["Franco-Spanish War"]
    assert (fs["start"], fs["end"], fs["cause"], fs["winner"]) == (
        "1823-04-07",
        "1823-11-13",
        3,
        "initiator",
    )
    assert fs["years"] == pytest.approx((date(1823, 11, 13) - date(1823, 4, 7)).days / 365.25)
    # 1,000 battle deaths over 220 days
    assert fs["log_deaths_per_year"] == pytest.approx(np.log10(1000 / (220 / 365.25)))
    assert cow.loc["Korean", "cause"] == 2  # stalemate -> ceasefire (OUT-10)
    assert cow.loc["Iran-Iraq", "cause"] == 2
    assert cow.loc["Cenepa Valley", "cause"] == 1  # compromise -> settlement
    assert cow.loc["Invasion of Iraq", "cause"] == 0  # transformed -> censored
    assert cow.loc["Invasion of Iraq", "end"] == ""
    # WWII: the second spells (USSR to 1945-08, France 1944-45) set the end
    assert cow.loc["World War II", "end"] == "1945-08-14"
    assert cow.loc["Korean", "europe"] == 0 and cow.loc["Franco-Spanish War", "europe"] == 1


def test_capability_share_computed_by_hand_from_nmc(shared_data: Path, cow: pd.DataFrame) -> None:
    nmc = shared_data / NMC
    # Austro-Sardinian, 1848-03-24: Austria (300) against Sardinia (325), Tuscany (337,
    # 5 days later) and Modena (332, 16 days later): all original belligerents
    austria = _cinc_by_hand(nmc, 1848, [300])
    italians = _cinc_by_hand(nmc, 1848, [325, 337, 332])
    want = max(austria, italians) / (austria + italians)
    assert cow.loc["Austro-Sardinian", "capability_share"] == pytest.approx(want, rel=1e-9)
    # Korean, 1950-06-24: South Korea (732) and the USA (2, 3 days later) against North Korea
    # (731); China (710, October) and the UK (200, August) joined after 30 days
    a, b = _cinc_by_hand(nmc, 1950, [732, 2]), _cinc_by_hand(nmc, 1950, [731])
    assert cow.loc["Korean", "capability_share"] == pytest.approx(a / (a + b), rel=1e-9)
    with_china = _cinc_by_hand(nmc, 1950, [731, 710])
    assert cow.loc["Korean", "capability_share"] != pytest.approx(a / (a + with_china))


def test_russia_ukraine_share_is_nmc_2007(shared_data: Path) -> None:
    nmc = shared_data / NMC
    rus, ukr = _cinc_by_hand(nmc, 2007, [365]), _cinc_by_hand(nmc, 2007, [369])
    assert russia_ukraine_share(read_nmc(nmc)) == pytest.approx(rus / (rus + ukr))
    assert pytest.approx(rus / (rus + ukr), abs=5e-5) == RUSSIA_UKRAINE_SHARE_2007
    assert read_nmc(nmc).index.get_level_values("year").max() == 2007


def test_the_packaged_extract_is_what_the_reader_gives(cow: pd.DataFrame) -> None:
    packaged = load_cow().set_index("name")
    cols = ["episode", "start", "end", "cause", "winner", "europe", "americas"]
    pd.testing.assert_frame_equal(packaged[cols], cow[cols], check_dtype=False)
    for col in ("years", "capability_share", "log_deaths_per_year"):
        np.testing.assert_allclose(packaged[col], cow[col], atol=1e-5)


def test_aalen_johansen_on_cow_equals_lifelines(cow: pd.DataFrame) -> None:
    from lifelines import AalenJohansenFitter

    frame = cow.reset_index()
    at = [0.25, 0.5, 1.0, 2.0]
    ours = AalenJohansen().fit(frame).cif(frame.iloc[:1], at)[0]
    for k in (2, 3):
        fitter = AalenJohansenFitter(calculate_variance=False, seed=0)
        with pytest.warns(Warning):  # lifelines jitters tied times
            fitter.fit(frame["years"], frame["cause"], event_of_interest=k)
        curve = fitter.cumulative_density_.iloc[:, 0]
        theirs = [float(curve.loc[:t].iloc[-1]) for t in at]
        np.testing.assert_allclose(ours[k - 1], theirs, atol=0.015)
    assert ours[2, -1] > 0.6  # most inter-state wars end in victory within two years


HEADER = (
    "WarNum,WarName,WarType,ccode,StateName,Side,StartMonth1,StartDay1,StartYear1,EndMonth1,"
    "EndDay1,EndYear1,StartMonth2,StartDay2,StartYear2,EndMonth2,EndDay2,EndYear2,TransFrom,"
    "WhereFought,Initiator,Outcome,TransTo,BatDeath,Version"
)
GOOD = (
    "1,A War,1,2,X,1,1,1,1900,7,1,1900,-8,-8,-8,-8,-8,-8,-8,2,1,1,-8,600,4\n"
    "1,A War,1,20,Y,2,1,10,1900,7,1,1900,-8,-8,-8,-8,-8,-8,-8,2,2,2,-8,900,4\n"
)
NO_CINC = (
    "2,B War,1,2,X,1,1,1,1901,3,1,1901,-8,-8,-8,-8,-8,-8,-8,7,1,6,-8,2000,4\n"
    "2,B War,1,99,Z,2,1,1,1901,3,1,1901,-8,-8,-8,-8,-8,-8,-8,7,2,6,-8,2000,4\n"
)


def _files(tmp_path: Path, body: str) -> tuple[Path, Path]:
    wars, nmc = tmp_path / "wars.csv", tmp_path / "nmc.csv"
    wars.write_text(HEADER + "\n" + body, encoding="utf-8")
    nmc.write_text(
        "stateabb,ccode,year,cinc\nAAA,2,1900,0.3\nBBB,20,1900,0.1\nAAA,2,1901,0.3\n"
        "ZZZ,99,1901,-9\n",
        encoding="utf-8",
    )
    return wars, nmc


def test_a_small_file_a_dropped_war_and_strict(tmp_path: Path) -> None:
    wars, nmc = _files(tmp_path, GOOD + NO_CINC)
    data = read_cow_wars(wars, nmc)
    assert data.dropped == {"a side without NMC capabilities in its start year": 1}
    row = data.frame.iloc[0]
    assert row["capability_share"] == pytest.approx(0.75)
    assert (row["cause"], row["winner"], row["europe"]) == (3, "initiator", 1)
    with pytest.raises(DetenteError, match=r"wars.csv: row 4: war 2 has a side without NMC"):
        read_cow_wars(wars, nmc, strict=True)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (GOOD.replace(",1,-8,600,4", ",9,-8,600,4"),
         "wars.csv: row 2, column Outcome: is '9'; it must be one of 1, 2, 3, 4, 5, 6, 7, 8"),
        (GOOD.replace("1,A War,1,20,Y,2", "1,A War,1,20,Y,x"),
         "wars.csv: row 3, column Side: is 'x'; it must be one of 1, 2"),
    ],
    ids=["outcome", "side"],
)  # fmt: skip
def test_a_malformed_row_is_one_line_naming_file_and_row(
    tmp_path: Path, body: str, message: str
) -> None:
    wars, nmc = _files(tmp_path, body)
    with pytest.raises(DetenteError) as info:
        read_cow_wars(wars, nmc)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_bootstrap_with_the_whole_sample_and_the_estimate_is_the_point() -> None:
    cox, _, frame = fitted(0.1, "ucdp")
    x = frame.iloc[[0, 5, 100]]
    at = [0.5, 1.0, 3.0]
    rng = np.random.default_rng(0)
    cox_fixed = cox.clone().fit(frame)
    cox_fixed._coef_draws = lambda n, rng: np.broadcast_to(  # type: ignore[method-assign,assignment]
        cox_fixed.coef_, (n, *cox_fixed.coef_.shape)
    )
    got = cox_fixed.cif_bootstrap(x, at, 1.0, [np.arange(len(frame))], rng)[0]
    np.testing.assert_allclose(got, cox.cif(x, at, 1.0), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reference", ["ucdp", "cow"])
def test_intervals_contain_the_point_and_are_seeded(reference: str) -> None:
    kw = {"as_of": AS_OF, "n_draws": 60, "reference": reference, "shrink": 1.0}
    view = outside_view("russia-ukraine-2022", DATES, seed=3, **kw)  # type: ignore[arg-type]
    assert view.interval == "bootstrap"
    assert (view.lower <= view.p + 1e-12).all() and (view.p <= view.upper + 1e-12).all()
    assert view.base_lower is not None and view.base_upper is not None
    assert (view.base_lower <= view.base + 1e-12).all()
    assert (view.base <= view.base_upper + 1e-12).all()
    again = outside_view("russia-ukraine-2022", DATES, seed=3, **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(view.upper, again.upper)
    other = outside_view("russia-ukraine-2022", DATES, seed=4, **kw)  # type: ignore[arg-type]
    assert not np.array_equal(view.upper, other.upper)


def test_bootstrap_intervals_are_wider_than_coefficient_draws() -> None:
    kw = {"as_of": AS_OF, "n_draws": 200, "seed": 0}
    boot = outside_view("russia-ukraine-2022", DATES, **kw)  # type: ignore[arg-type]
    draws = outside_view("russia-ukraine-2022", DATES, interval="draws", **kw)  # type: ignore[arg-type]
    assert ((boot.upper - boot.lower) > (draws.upper - draws.lower)).mean() >= 0.75


def test_the_shrinkage_weight_is_the_least_brier_and_cow_takes_the_base_rate() -> None:
    cv = cross_validate(load_cow(), reference="cow", folds=5, seed=0)
    sh = cv.shrinkage
    assert sh is not None
    sums = {float(k): v for k, v in sh["brier_sum"].items()}
    assert sh["weight"] == min(sums, key=lambda w: sums[w])
    assert sh["brier_sum"]["1"] == pytest.approx(_pooled_brier(cv.predictions, 1.0), abs=1e-5)
    assert set(WEIGHTS) >= set(sh["nested_weights"])
    # no CoW war peters out: the calibration table leaves that cause out instead of failing
    assert set(calibration_table(cv)["cause"]) == {"settlement", "ceasefire", "victory"}
    # with the base rate's weight (0, DECISIONS OUT-14) the outside view is the base rate
    view = outside_view("russia-ukraine-2022", DATES, as_of=AS_OF, reference="cow", n_draws=20)
    np.testing.assert_allclose(view.p, view.base)
    assert view.shrink == 0.0


def test_cow_needs_an_interstate_war_and_a_ratio() -> None:
    from dataclasses import replace

    from detente.outlook.view import get_preset

    war = replace(get_preset("russia-ukraine-2022"), kind="internationalized")
    with pytest.raises(DetenteError, match="inter-state wars only"):
        outside_view(war, DATES, as_of=AS_OF, reference="cow")
    war = replace(get_preset("russia-ukraine-2022"), capability_share=0.3)
    with pytest.raises(DetenteError, match=r"--capability-share: capability share 0.3"):
        outside_view(war, DATES, as_of=AS_OF, reference="cow")


def test_cli_predict_and_evaluate_with_cow() -> None:
    result = runner.invoke(
        _app(), ["outlook", "predict", "--reference", "cow", "--as-of", "2024-11-11",
                 "--years", "1", "--draws", "20", "--capability-share", "0.9", "--shrink",
                 "1", "-f", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["reference"] == "cow" and got["covariates"]["capability_share"] == 0.9
    assert got["shrink_weight"] == 1.0 and len(got["base_lower"]) == 4
    result = runner.invoke(_app(), ["outlook", "evaluate", "--reference", "cow", "--folds", "3"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["n"] == 95 and got["reference"] == "cow" and "weight" in got["shrinkage"]
    assert got["c_index"]["low_activity"] is None  # no CoW war peters out
    result = runner.invoke(_app(), ["outlook", "predict", "--reference", "x", "--as-of",
                                    "2024-11-11"])  # fmt: skip
    assert result.exit_code == 2 and "unknown reference class 'x'" in result.output
    assert "Traceback" not in result.output


def test_the_registered_model_takes_the_cow_class() -> None:
    from detente.outlook.model import OutlookModel
    from detente.scenario import load_scenario

    values = OutlookModel(reference_class="cow").run(load_scenario("ukraine-2024")).values()
    # 12 of 95 wars lasted 2.7 years; within a year one ended by armistice (Korea) and two by
    # victory: the base rate (OUT-14) is 1/12 and 2/12
    assert values["p_ceasefire_1y"] == pytest.approx(1 / 12)
    assert values["p_victory_1y"] == pytest.approx(2 / 12)
    assert values["p_settlement_2y"] == 0.0
