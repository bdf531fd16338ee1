"""Competing-risks models of how and when a war episode ends.

Both models give the cumulative incidence of each way of ending, ``F_k(t | x, T > s)`` =
P(the episode ends by cause ``k`` by ``t`` years | covariates ``x``, still going at ``s``),
from cause-specific hazard jumps ``dH_k(t_j | x)`` at the event times ``t_j``:

    F_k(t | x, T > s) = sum_{s < t_j <= t} S(t_j- | x) / S(s | x) * dH_k(t_j | x),
    S(t | x) = prod_{t_j <= t} (1 - sum_k dH_k(t_j | x))

(Aalen & Johansen 1978, eq. 3.2; the product-limit form). :class:`AalenJohansen` uses no
covariates, ``dH_k(t_j) = d_kj / n_j`` (events of cause ``k`` at ``t_j`` over the number at
risk): the reference class's base rate. :class:`CauseSpecificCox` fits one Cox model per
cause with the other causes censored (Prentice et al. 1978, eq. 2.5) with lifelines, and
scales each cause's Breslow baseline jumps by ``exp((x - centre) . beta_k)``; with every
coefficient zero it is the Aalen-Johansen estimator.

References
----------
Aalen, O. O. & Johansen, S. (1978). An empirical transition matrix for non-homogeneous Markov
chains based on censored observations. *Scandinavian Journal of Statistics* 5(3), 141-150.

Prentice, R. L., Kalbfleisch, J. D., Peterson, A. V., Flournoy, N., Farewell, V. T. & Breslow,
N. E. (1978). The analysis of failure times in the presence of competing risks.
*Biometrics* 34(4), 541-554.

Davidson-Pilon, C. (2019). lifelines: survival analysis in Python. *JOSS* 4(40), 1317.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar, Self

import numpy as np
import pandas as pd

from detente.contract import Params
from detente.errors import DetenteError
from detente.outlook.data import CAUSES, COVARIATES

DURATION = "years"
CAUSE = "cause"


def _check(frame: pd.DataFrame, covariates: Sequence[str]) -> None:
    missing = [c for c in (DURATION, CAUSE, *covariates) if c not in frame.columns]
    if missing:
        raise DetenteError(
            f"missing column(s) {', '.join(missing)}; give an episode frame "
            "(detente.outlook.read_episodes)",
            where="training data",
        )
    if len(frame) == 0:
        raise DetenteError("no episodes to fit on", where="training data")


def _event_table(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct event times, the events of each cause there (K, T) and the number at
    risk there (T,)."""
    years = frame[DURATION].to_numpy(dtype=float)
    cause = frame[CAUSE].to_numpy(dtype=int)
    times = np.unique(years[cause > 0])
    index = np.searchsorted(times, years)
    events = np.zeros((len(CAUSES), len(times)))
    for k in range(1, len(CAUSES) + 1):
        hit = cause == k
        np.add.at(events[k - 1], index[hit], 1.0)
    at_risk = (years[None, :] >= times[:, None]).sum(axis=1).astype(float)
    return times, events, at_risk


def cumulative_incidence(
    times: np.ndarray, jumps: np.ndarray, at: Sequence[float], since: float = 0.0
) -> np.ndarray:
    """``F_k(t | T > since)`` for each row of hazard jumps, at each ``since + at`` years.

    Parameters
    ----------
    times:
        The event times (T,), increasing.
    jumps:
        Cause-specific hazard jumps, shape (..., K, T).
    at:
        Horizons, in years after ``since``.
    since:
        How long the episode has lasted (the condition ``T > since``).

    Returns
    -------
    numpy.ndarray
        Shape (..., K, len(at)).
    """
    total = np.clip(jumps.sum(axis=-2), 0.0, 1.0)  # (..., T)
    after = times > since
    step = np.where(after, 1.0 - total, 1.0)
    surv_after = np.cumprod(step, axis=-1)  # S(t_j) / S(since) for t_j > since
    surv_before = np.concatenate([np.ones_like(surv_after[..., :1]), surv_after[..., :-1]], -1)
    inc = np.where(after, surv_before, 0.0)[..., None, :] * jumps  # (..., K, T)
    cum = np.cumsum(inc, axis=-1)
    idx = np.searchsorted(times, since + np.asarray(at, dtype=float), side="right") - 1
    zero = np.zeros_like(cum[..., :1])
    padded = np.concatenate([zero, cum], axis=-1)
    out: np.ndarray = padded[..., idx + 1]
    return out


class _CompetingRisks(Params, ABC):
    """What both models share: hazard jumps on event times, and the cumulative incidence."""

    name: ClassVar[str]

    @abstractmethod
    def _jumps(self, x: pd.DataFrame) -> np.ndarray:
        """Hazard jumps (rows of ``x``, K, T)."""

    @abstractmethod
    def fit(self, frame: pd.DataFrame) -> Self:
        """Fit on an episode frame (``years``, ``cause`` and the covariates)."""

    def cif(self, x: pd.DataFrame, at: Sequence[float], since: float = 0.0) -> np.ndarray:
        """P(ends by each cause within each horizon ``at`` | still going at ``since``),
        shape (rows of ``x``, K, len(at))."""
        if not hasattr(self, "times_"):
            raise DetenteError(f"the {self.name} model is not fitted; call fit first")
        return cumulative_incidence(self.times_, self._jumps(x), at, since)

    times_: np.ndarray


class AalenJohansen(_CompetingRisks):
    """The no-covariate baseline: the Aalen-Johansen cumulative incidence of each cause
    (Aalen & Johansen 1978, eq. 3.2), the base rate of the whole reference class."""

    name = "aalen_johansen"

    def __init__(self) -> None:
        pass

    def fit(self, frame: pd.DataFrame) -> Self:
        """Estimate each cause's incidence jumps on ``frame``.

        Parameters
        ----------
        frame : pandas.DataFrame
            An episode frame (``years``, ``cause``).
        """
        _check(frame, [])
        self.times_, events, at_risk = _event_table(frame)
        self.jumps_ = events / np.maximum(at_risk, 1.0)
        return self

    def _jumps(self, x: pd.DataFrame) -> np.ndarray:
        return np.broadcast_to(self.jumps_, (len(x), *self.jumps_.shape))


class CauseSpecificCox(_CompetingRisks):
    """One penalized Cox model per way of ending, the others censored (Prentice et al. 1978,
    eq. 2.5), combined into cumulative incidences.

    Parameters
    ----------
    covariates:
        Columns to use; default every covariate of :data:`detente.outlook.data.COVARIATES`.
    penalizer:
        lifelines' ridge penalty (DECISIONS OUT-4), default 0.1.
    standardize:
        Fit on covariates divided by their standard deviation, so the penalty treats a
        continuous covariate like a dummy (the CoW class, DECISIONS OUT-11); the
        coefficients are reported in the covariates' own units.
    """

    name = "cause_specific_cox"

    def __init__(
        self,
        covariates: Sequence[str] | None = None,
        penalizer: float = 0.1,
        standardize: bool = False,
    ) -> None:
        self.covariates = covariates
        self.penalizer = penalizer
        self.standardize = standardize

    @property
    def covariates_in(self) -> list[str]:
        return list(self.covariates) if self.covariates is not None else list(COVARIATES)

    def fit(self, frame: pd.DataFrame) -> Self:
        """Fit one penalized Cox model per cause and its Breslow baseline jumps.

        Parameters
        ----------
        frame : pandas.DataFrame
            An episode frame (``years``, ``cause`` and the covariates).
        """
        from lifelines import CoxPHFitter
        from lifelines.exceptions import ConvergenceError

        cov = self.covariates_in
        _check(frame, cov)
        self.times_, events, _ = _event_table(frame)
        x = frame[cov].astype(float)
        self.centre_ = x.mean().to_numpy()
        k_causes = len(CAUSES)
        self.coef_ = np.zeros((k_causes, len(cov)))
        self.cov_ = np.zeros((k_causes, len(cov), len(cov)))
        self.jumps0_ = np.zeros((k_causes, len(self.times_)))
        xc = x.to_numpy() - self.centre_
        sd = x.std(ddof=0).to_numpy()
        scale = np.where(sd > 0, sd, 1.0) if self.standardize else np.ones(len(cov))
        years = frame[DURATION].to_numpy(dtype=float)
        self.xc_, self.years_ = xc, years
        self.cause_ = frame[CAUSE].to_numpy(dtype=int)
        for k in range(1, k_causes + 1):
            event = (frame[CAUSE].to_numpy() == k).astype(int)
            if event.sum() == 0:
                continue
            varying = [j for j, c in enumerate(cov) if x[c].nunique() > 1]
            data = pd.DataFrame(xc[:, varying] / scale[varying], columns=[cov[j] for j in varying])
            data[DURATION] = years
            data["event"] = event
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    cph = CoxPHFitter(penalizer=self.penalizer).fit(
                        data, duration_col=DURATION, event_col="event"
                    )
                except ConvergenceError as exc:
                    raise DetenteError(
                        f"the Cox model of {CAUSES[k]} did not converge "
                        f"({str(exc).splitlines()[0]}); use a larger penalizer",
                        where="training data",
                    ) from None
            unit = scale[varying]
            beta = cph.params_.to_numpy() / unit
            self.coef_[k - 1, varying] = beta
            self.cov_[k - 1][np.ix_(varying, varying)] = cph.variance_matrix_.to_numpy() / (
                unit[:, None] * unit[None, :]
            )
            # Breslow jumps at the common event times for centred x = 0
            risk = np.exp(xc[:, varying] @ beta)
            denom = np.array([risk[years >= t].sum() for t in self.times_])
            self.jumps0_[k - 1] = events[k - 1] / np.maximum(denom, 1e-300)
        self.used_ = cov
        return self

    def _jumps(self, x: pd.DataFrame, coef: np.ndarray | None = None) -> np.ndarray:
        beta = self.coef_ if coef is None else coef
        missing = [c for c in self.used_ if c not in x.columns]
        if missing:
            raise DetenteError(
                f"missing covariate(s) {', '.join(missing)}; describe the war on every one",
                where="covariates",
            )
        xc = x[self.used_].to_numpy(dtype=float) - self.centre_  # (n, p)
        lp = np.einsum("np,...kp->...nk", xc, beta)  # (n, K) or (D, n, K)
        out: np.ndarray = np.exp(lp)[..., None] * self.jumps0_
        return out

    def cif_draws(
        self,
        x: pd.DataFrame,
        at: Sequence[float],
        since: float,
        n_draws: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Draws of :meth:`cif` with each cause's coefficients drawn from their asymptotic
        normal distribution, the baseline jumps held at the estimate (DECISIONS OUT-5); shape
        (n_draws, rows of ``x``, K, len(at)).

        Parameters
        ----------
        x : pandas.DataFrame
            One row per war, with the covariates the model was fitted on.
        at : Sequence of float
            Horizons, in years after ``since``.
        since : float
            Years the war has already lasted.
        n_draws : int
            How many draws.
        rng : numpy.random.Generator
            The source of randomness (seeded by the caller).
        """
        k_causes, p = self.coef_.shape
        z = rng.standard_normal((n_draws, k_causes, p))
        chol = np.stack([np.linalg.cholesky(c + 1e-12 * np.eye(p)) for c in self.cov_])  # (K, p, p)
        beta = self.coef_ + np.einsum("kpq,dkq->dkp", chol, z)
        return cumulative_incidence(self.times_, self._jumps(x, beta), at, since)

    def cif_bootstrap(
        self,
        x: pd.DataFrame,
        at: Sequence[float],
        since: float,
        rows: Sequence[np.ndarray],
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Replicates of :meth:`cif` that carry the baseline's uncertainty too (DECISIONS
        OUT-13): each replicate resamples the training conflicts (``groups``, one per
        training row) with replacement, re-estimates every cause's Breslow baseline jumps on
        the resample, and draws the coefficients from their asymptotic normal. ``rows``
        holds each replicate's training-row indices (:func:`group_resamples`). Shape
        (replicates, rows of ``x``, K, len(at)). No refit: about a millisecond each.

        Parameters
        ----------
        x : pandas.DataFrame
            One row per war, with the covariates the model was fitted on.
        at : Sequence of float
            Horizons, in years after ``since``.
        since : float
            Years the war has already lasted.
        rows : Sequence of numpy.ndarray
            Each replicate's training-row indices.
        rng : numpy.random.Generator
            The source of randomness of the coefficient draws.
        """
        n_boot = len(rows)
        beta = self._coef_draws(n_boot, rng)
        t_index = np.searchsorted(self.times_, self.years_)
        is_event_time = (t_index < len(self.times_)) & (
            self.times_[np.minimum(t_index, len(self.times_) - 1)] == self.years_
        )
        xc = x[self.used_].to_numpy(dtype=float) - self.centre_
        out = np.empty((n_boot, len(x), len(CAUSES), len(at)))
        for b in range(n_boot):
            idx = rows[b]
            years = self.years_[idx]
            order = np.argsort(years, kind="stable")
            sorted_years = years[order]
            first = np.searchsorted(sorted_years, self.times_, side="left")
            jumps0 = np.zeros_like(self.jumps0_)
            for k in range(len(CAUSES)):
                if not self.jumps0_[k].any():
                    continue
                risk = np.exp(self.xc_[idx] @ beta[b, k])[order]
                tail = np.concatenate([np.cumsum(risk[::-1])[::-1], [0.0]])
                denom = tail[first]
                hit = idx[(self.cause_[idx] == k + 1) & is_event_time[idx]]
                events = np.bincount(t_index[hit], minlength=len(self.times_)).astype(float)
                jumps0[k] = events / np.maximum(denom, 1e-300)
            lp = np.exp(xc @ beta[b].T)  # (n, K)
            jumps = lp[..., None] * jumps0
            out[b] = cumulative_incidence(self.times_, jumps, at, since)
        return out

    def _coef_draws(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        k_causes, p = self.coef_.shape
        z = rng.standard_normal((n_draws, k_causes, p))
        chol = np.stack([np.linalg.cholesky(c + 1e-12 * np.eye(p)) for c in self.cov_])
        draws: np.ndarray = self.coef_ + np.einsum("kpq,dkq->dkp", chol, z)
        return draws


def group_resamples(
    groups: Sequence[str], n_boot: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Row indices of ``n_boot`` cluster-bootstrap resamples: the distinct groups drawn with
    replacement, each bringing all its rows."""
    names, inverse = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
    members = [np.flatnonzero(inverse == g) for g in range(len(names))]
    out = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(names), len(names))
        out.append(np.concatenate([members[g] for g in pick]))
    return out


def aalen_johansen_bootstrap(
    frame: pd.DataFrame, at: Sequence[float], since: float, rows: Sequence[np.ndarray]
) -> np.ndarray:
    """Cluster-bootstrap replicates of the Aalen-Johansen base rate on the resamples
    ``rows`` (:func:`group_resamples` of the frame's ``group``), shape (replicates, K,
    len(at)) (DECISIONS OUT-13)."""
    out = np.empty((len(rows), len(CAUSES), len(at)))
    for b in range(len(rows)):
        part = frame.iloc[rows[b]]
        out[b] = AalenJohansen().fit(part).cif(part.iloc[:1], at, since)[0]
    return out
