"""Backtest of the outcome models on EU legislative decisions (DEU III, development split).

The data folder is laid out like ``shared/data/validation/deu`` (see its README): one row per
(issue, actor with a position) in ``deu3_tidy_long.csv``, and Council QMV vote weights by era
in ``council_vote_weights.csv`` (auxiliary data, not part of DEU). :func:`load_deu` turns each
issue into an :class:`~detente.models.base.IssueProblem`; :func:`backtest` runs models on them
and :func:`score` reduces the per-issue errors to one row per model. A status-quo shrinkage
variant was tried (benchmarks/deu_report.py) and not made a model (DECISIONS DEU-7).

References
----------
Arregui, J. & Perarnaud, C. (2022). A new dataset on legislative decision-making in the
European Union: the DEU III dataset. *Journal of European Public Policy* 29(1).
Thomson, R., Stokman, F. N., Achen, C. H., & König, T. (eds.) (2006). *The European Union
Decides*. Cambridge UP.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente.errors import DetenteError
from detente.models.base import IssueProblem, OutcomeModel, respect_rule
from detente.models.rules import IssueRule
from detente.paths import shared_data_dir

LONG_FILE = "deu3_tidy_long.csv"
VOTES_FILE = "council_vote_weights.csv"
LONG_COLUMNS = (
    "proposal_id",
    "issue_id",
    "act_type",
    "council_formation",
    "procedure",
    "council_voting_rule",
    "intro_date",
    "final_act_date",
    "actor",
    "actor_type",
    "position",
    "salience",
    "reference_point",
    "outcome",
)
VOTES_COLUMNS = (
    "regime",
    "valid_from",
    "valid_to",
    "actor",
    "qmv_votes",
    "regime_total_votes",
    "qmv_threshold_votes",
)
CAPABILITIES = ("equal", "votes", "shapley", "banzhaf")
INSTITUTION_WEIGHTS = ("max", "mean")
INSTITUTIONS = ("com", "ep")
SCORE_COLUMNS = [
    "model", "n", "mae", "rmse", "median_ae", "share_beats_compromise", "flagged",
    "mae_within_rule",
]  # fmt: skip
SCALE = (0.0, 100.0)


def default_deu_dir() -> Path:
    """``validation/deu`` in the shared data folder (:func:`detente.paths.shared_data_dir`:
    ``$DETENTE_SHARED_DATA``, else ``shared/data`` near the working directory or checkout)."""
    return shared_data_dir() / "validation" / "deu"


@dataclass(frozen=True)
class DeuCase:
    """One DEU issue: the bargaining problem and the observed outcome (NaN where unknown)."""

    issue_id: str
    proposal_id: str
    problem: IssueProblem
    outcome: float


def _read(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    if not path.is_file():
        raise DetenteError(
            f"file not found; pass --data FOLDER (laid out like shared/data/validation/deu, "
            f"with {path.name}) or set DETENTE_SHARED_DATA to the shared data folder",
            source=str(path),
        )
    frame = pd.read_csv(path)
    for col in columns:
        if col not in frame.columns:
            raise DetenteError(
                f"column {col!r} is missing; add it (the file needs: {', '.join(columns)})",
                source=str(path),
                where=f"column {col!r}",
            )
    return frame


@dataclass(frozen=True)
class _Regime:
    name: str
    start: pd.Timestamp
    end: pd.Timestamp
    votes: dict[str, float]
    total: float
    threshold: float


def _regimes(frame: pd.DataFrame) -> list[_Regime]:
    out = []
    for name, g in frame.groupby("regime", sort=False):
        out.append(
            _Regime(
                name=str(name),
                start=pd.Timestamp(g["valid_from"].iloc[0]),
                end=pd.Timestamp(g["valid_to"].iloc[0]),
                votes={str(a): float(v) for a, v in zip(g["actor"], g["qmv_votes"], strict=True)},
                total=float(g["regime_total_votes"].iloc[0]),
                threshold=float(g["qmv_threshold_votes"].iloc[0]),
            )
        )
    return sorted(out, key=lambda r: r.start)


def _regime_at(regimes: list[_Regime], when: pd.Timestamp) -> _Regime:
    """The regime in force at ``when``; the last one after it (post-Lisbon proxy), the first
    one before it."""
    if pd.isna(when):
        return regimes[-1]
    for r in regimes:
        if r.start <= when <= r.end:
            return r
    return regimes[-1] if when > regimes[-1].end else regimes[0]


def _member_votes(regimes: list[_Regime], regime: _Regime, actor: str) -> float:
    """``actor``'s votes in ``regime``; for a state that joined later, its votes in the first
    later regime that lists it, rescaled by the ratio of the two regimes' totals."""
    if actor in regime.votes:
        return regime.votes[actor]
    for r in regimes:
        if r.start > regime.start and actor in r.votes:
            return r.votes[actor] * regime.total / r.total
    return float(np.mean(list(regime.votes.values())))


def _member_power(
    regimes: list[_Regime], regime: _Regime, actor: str, index: str, unanimity: bool
) -> float:
    """``actor``'s voting power in ``regime``'s Council: its Shapley–Shubik or normalized
    Banzhaf index in the QMV game ``[threshold; votes]`` of all the regime's members, or
    ``1/n`` under unanimity (every member a veto player: both indices are equal). A state
    that joined later gets its index in the first later regime that lists it (DECISIONS
    POW-2)."""
    from detente.models.power import power_index

    for r in (regime, *[r for r in regimes if r.start > regime.start]):
        if actor in r.votes:
            if unanimity:
                return 1.0 / len(r.votes)
            names = tuple(r.votes)
            p = power_index(index, [r.votes[a] for a in names], r.threshold)
            return float(p[names.index(actor)])
    return 1.0 / len(regime.votes)


def load_deu(
    data_dir: Path,
    capability: str = "equal",
    *,
    institutions: str = "max",
    ep_consultation: float = 1.0,
) -> list[DeuCase]:
    """Read a DEU folder into one :class:`DeuCase` per issue.

    Parameters
    ----------
    data_dir:
        A folder laid out like ``shared/data/validation/deu``.
    capability:
        ``"equal"``: every actor 1. ``"votes"``: each member state its Council QMV votes in
        the regime in force at the issue's ``intro_date`` (after Oct 2014, the last Nice
        weights; a state that joined after the intro date gets its first weights rescaled to
        the regime's total); the Commission and the EP the largest (``institutions="max"``)
        or the average (``"mean"``) member-state weight of that regime, the EP times
        ``ep_consultation`` under consultation (CNS) (DECISIONS DEU-2, DEU-3).
        ``"shapley"`` / ``"banzhaf"``: each member state its Shapley–Shubik / normalized
        Banzhaf index in the regime's QMV game (``1/n`` where the Council votes by
        unanimity), the institutions as under ``"votes"`` but from the indices
        (:mod:`detente.models.power`, DECISIONS POW-2, POW-3; no better than votes: POW-4).
    institutions:
        ``"max"`` or ``"mean"``, see above (only for ``capability="votes"``).
    ep_consultation:
        Multiplier on the EP's weight under CNS (only for ``capability="votes"``).

    Actor rows with a blank salience are left out (as in the DEU README's baselines); a
    salience of 0 is kept (DECISIONS DEU-1). Issues left with no actor are skipped. The
    outcome is NaN where DEU has none, the status quo NaN where the reference point is blank.

    Every problem's ``context`` holds ``issue_id``, ``proposal_id``, ``procedure``
    (COD/CNS), ``voting_rule`` (QMV/Unan), ``intro_date``, ``final_act_date``, ``act_type``,
    ``council_formation``, ``regime``, ``actor_type`` (tuple), ``council_votes`` (formal QMV
    votes per actor, 0 for the institutions, whatever ``capability`` is) and
    ``qmv_threshold`` (the regime's QMV threshold as a share of its total votes). Its
    ``rule`` is the procedure DEU records (:func:`council_rule`).

    Raises
    ------
    DetenteError
        A missing file or column, or an unknown option.
    """
    if capability not in CAPABILITIES:
        raise DetenteError(
            f"unknown capability {capability!r}; use one of: {', '.join(CAPABILITIES)}",
            where="capability",
        )
    if institutions not in INSTITUTION_WEIGHTS:
        raise DetenteError(
            f"unknown institutions weight {institutions!r}; use one of: "
            + ", ".join(INSTITUTION_WEIGHTS),
            where="institutions",
        )
    data_dir = Path(data_dir)
    long = _read(data_dir / LONG_FILE, LONG_COLUMNS)
    # The vote weights are read whatever the capability: procedural models need them.
    regimes = _regimes(_read(data_dir / VOTES_FILE, VOTES_COLUMNS))
    long = long[long["salience"].notna() & long["position"].notna()]
    long = long.assign(
        intro=pd.to_datetime(long["intro_date"], errors="coerce"),
        position=long["position"].astype(float),
        salience=long["salience"].astype(float),
    )
    cases = []
    for issue_id, g in long.groupby("issue_id", sort=True):
        first = g.iloc[0]
        regime = _regime_at(regimes, first["intro"])
        actors = tuple(str(a) for a in g["actor"])
        types = tuple(str(t) for t in g["actor_type"])
        votes = np.array(
            [
                _member_votes(regimes, regime, a) if t == "member_state" else 0.0
                for a, t in zip(actors, types, strict=True)
            ]
        )
        procedure = str(first["procedure"])
        if capability == "equal":
            cap = np.ones(len(actors))
        else:
            all_votes, member = np.array(list(regime.votes.values())), votes
            if capability in ("shapley", "banzhaf"):
                unan = str(first["council_voting_rule"]).lower().startswith("unan")
                all_votes = np.array(
                    [_member_power(regimes, regime, a, capability, unan) for a in regime.votes]
                )
                member = np.array(
                    [
                        _member_power(regimes, regime, a, capability, unan)
                        if t == "member_state"
                        else 0.0
                        for a, t in zip(actors, types, strict=True)
                    ]
                )
            inst = float(all_votes.max() if institutions == "max" else all_votes.mean())
            cap = member.copy()
            for k, a in enumerate(actors):
                if a in INSTITUTIONS:
                    factor = ep_consultation if (a == "ep" and procedure == "CNS") else 1.0
                    cap[k] = inst * factor
        rp = float(first["reference_point"])
        outcome = float(first["outcome"])
        context: dict[str, Any] = {
            "issue_id": str(issue_id),
            "proposal_id": str(first["proposal_id"]),
            "procedure": procedure,
            "voting_rule": str(first["council_voting_rule"]),
            "intro_date": str(first["intro_date"]),
            "final_act_date": str(first["final_act_date"]),
            "act_type": str(first["act_type"]),
            "council_formation": str(first["council_formation"]),
            "regime": regime.name,
            "actor_type": types,
            "council_votes": votes,
            "qmv_threshold": regime.threshold / regime.total,
        }
        problem = IssueProblem(
            actors=actors,
            position=g["position"].to_numpy(dtype=float),
            salience=g["salience"].to_numpy(dtype=float),
            capability=cap,
            status_quo=rp if math.isfinite(rp) else float("nan"),
            scale=SCALE,
            context=context,
            rule=council_rule(actors, votes, context),
        )
        cases.append(
            DeuCase(
                issue_id=str(issue_id),
                proposal_id=str(first["proposal_id"]),
                problem=problem,
                outcome=outcome if math.isfinite(outcome) else float("nan"),
            )
        )
    return cases


def council_rule(actors: Sequence[str], votes: np.ndarray, context: Mapping[str, Any]) -> IssueRule:
    """The decision rule DEU records for an issue: the Council votes by qualified majority
    (the regime's share of the votes of the member states with a position) or, where
    ``voting_rule`` says ``Unan``, by unanimity; under codecision (``procedure`` COD) the
    European Parliament (``ep``) must consent as well (DECISIONS DEU-6, SCN-9)."""
    unanimity = str(context["voting_rule"]).lower().startswith("unan")
    cod = str(context["procedure"]).upper() == "COD"
    ep = np.array([a == "ep" for a in actors]) if cod else None
    return IssueRule(
        kind="unanimity" if unanimity else "qualified_majority",
        veto=ep if ep is not None and ep.any() else None,
        votes=np.asarray(votes, dtype=float),
        threshold=1.0 if unanimity else float(context["qmv_threshold"]),
    )


PREDICTION_COLUMNS = (
    "issue_id",
    "proposal_id",
    "procedure",
    "voting_rule",
    "model",
    "prediction",
    "flagged",
    "constrained",
    "outcome",
    "error",
    "abs_error",
)
"""Columns of the per-issue prediction frame returned by :func:`backtest`."""


def backtest(cases: Iterable[DeuCase], models: Mapping[str, OutcomeModel]) -> pd.DataFrame:
    """Every model's prediction on every case, one row per (issue, model).

    Columns: ``issue_id, proposal_id, procedure, voting_rule, model, prediction, flagged,
    constrained, outcome, error`` (prediction - outcome) and ``abs_error``. ``flagged`` and
    ``constrained`` check the prediction against the procedure DEU records (the Council's QMV
    or unanimity, the EP under codecision: :func:`council_rule`) by the rule every model's
    forecast meets (:func:`detente.models.base.respect_rule`, DECISIONS SCN-9). A prediction
    or outcome may be NaN (a baseline with nothing to say, an issue without a recorded
    outcome); :func:`score` skips those rows. The issues of one proposal are solved together
    (:meth:`~detente.models.base.OutcomeModel.solve_issues`: the exchange model trades across
    them; DECISIONS EXC-5), so pass every issue of a proposal, scored or not.
    """
    cases = list(cases)
    by_proposal: dict[str, list[int]] = {}
    for k, case in enumerate(cases):
        by_proposal.setdefault(case.proposal_id, []).append(k)
    predicted: dict[str, list[float]] = {}
    for name, model in models.items():
        preds = [float("nan")] * len(cases)
        for proposal, members in by_proposal.items():
            try:
                solutions = model.solve_issues([cases[k].problem for k in members])
            except DetenteError:
                raise
            except Exception as exc:
                raise RuntimeError(f"model {name!r} failed on DEU proposal {proposal}") from exc
            for k, solution in zip(members, solutions, strict=True):
                preds[k] = float(solution.outcome)
        predicted[name] = preds
    rows: list[tuple[str, str, str, str, str, float, bool, float, float]] = []
    for k, case in enumerate(cases):
        ctx = case.problem.context
        for name in models:
            pred = predicted[name][k]
            checked = respect_rule(case.problem, pred)
            rows.append(
                (
                    case.issue_id,
                    case.proposal_id,
                    str(ctx.get("procedure", "")),
                    str(ctx.get("voting_rule", "")),
                    name,
                    pred,
                    checked.flagged,
                    checked.constrained,
                    case.outcome,
                )
            )
    frame = pd.DataFrame(rows, columns=list(PREDICTION_COLUMNS[:-2]))
    frame["error"] = frame["prediction"] - frame["outcome"]
    frame["abs_error"] = frame["error"].abs()
    return frame


def score(predictions: pd.DataFrame, reference: str = "compromise") -> pd.DataFrame:
    """One row per model: ``model, n, mae, rmse, median_ae, share_beats_compromise,
    flagged, mae_within_rule``.

    Rows with a NaN prediction or outcome are skipped, so ``n`` counts the issues each model
    was scored on. ``share_beats_compromise`` is the share of a model's scored issues on which
    its absolute error is strictly smaller than the ``reference`` model's (ties count as not
    beating; NaN when ``reference`` is not among the predictions). ``flagged`` is the share
    of them on which the decision rule blocks the prediction, ``mae_within_rule`` the MAE of
    the constrained answers (DECISIONS SCN-9; NaN where the frame has no ``constrained``
    column). Sorted by MAE (DECISIONS DEU-4).
    """
    ok = predictions.dropna(subset=["prediction", "outcome"])
    ref = ok[ok["model"] == reference].set_index("issue_id")["abs_error"]
    rows = []
    for name, g in ok.groupby("model", sort=False):
        err = g["abs_error"].to_numpy(dtype=float)
        if ref.empty:
            beats = float("nan")
        else:
            ref_err = g["issue_id"].map(ref).to_numpy(dtype=float)
            both = ~np.isnan(ref_err)
            beats = float(np.mean(err[both] < ref_err[both])) if both.any() else float("nan")
        flagged, within = float("nan"), float("nan")
        if "constrained" in g:
            flagged = float(g["flagged"].astype(bool).mean())
            within = float((g["constrained"] - g["outcome"]).abs().mean())
        rows.append(
            (
                str(name),
                len(err),
                float(err.mean()),
                float(np.sqrt(np.mean(err**2))),
                float(np.median(err)),
                beats,
                flagged,
                within,
            )
        )
    table = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    return table.sort_values("mae", kind="stable").reset_index(drop=True)


def group_kfold(groups: Sequence[str], n_splits: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs with no group on both sides (like scikit-learn's GroupKFold).

    Groups are dealt largest first to the fold with the fewest rows so far (ties: the lower
    fold, groups in sorted order), so the split is deterministic and roughly balanced
    (DECISIONS DEU-5).
    """
    labels = np.asarray(groups)
    uniq, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if n_splits < 2 or n_splits > len(uniq):
        raise DetenteError(
            f"n_splits={n_splits} needs 2 <= n_splits <= {len(uniq)} groups", where="n_splits"
        )
    fold_of_group = np.empty(len(uniq), dtype=int)
    sizes = np.zeros(n_splits, dtype=int)
    for g in np.argsort(-counts, kind="stable"):
        k = int(np.argmin(sizes))
        fold_of_group[g] = k
        sizes[k] += counts[g]
    fold = fold_of_group[inverse]
    idx = np.arange(len(labels))
    return [(idx[fold != k], idx[fold == k]) for k in range(n_splits)]


def cross_validate(
    cases: Sequence[DeuCase],
    make_model: Callable[..., OutcomeModel],
    grid: Sequence[Mapping[str, Any]],
    *,
    n_splits: int = 5,
    name: str = "model",
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Out-of-sample predictions of a tuned model, folds grouped by ``proposal_id``.

    In each fold, the grid point with the lowest MAE on the training proposals (issues with an
    outcome) is refitted and predicts the held-out proposals. Returns the held-out
    predictions (the :func:`backtest` layout, model ``name``) and the chosen parameters per
    fold.
    """
    scored = [c for c in cases if math.isfinite(c.outcome)]
    folds = group_kfold([c.proposal_id for c in scored], n_splits)
    # Predict every case once per grid point, then select per fold.
    per_param = [
        backtest(scored, {name: make_model(**params)}).set_index("issue_id") for params in grid
    ]
    issue_ids = np.array([c.issue_id for c in scored])
    abs_err = np.stack(
        [p.loc[issue_ids, "abs_error"].to_numpy(dtype=float) for p in per_param]
    )  # (grid, cases)
    parts, chosen = [], []
    for train, test in folds:
        train_err = np.nanmean(abs_err[:, train], axis=1)
        best = int(np.nanargmin(train_err))
        chosen.append(dict(grid[best]))
        parts.append(per_param[best].loc[issue_ids[test]].reset_index())
    out = pd.concat(parts, ignore_index=True)
    return out[list(PREDICTION_COLUMNS)], chosen
