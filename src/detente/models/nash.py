"""The asymmetric Nash bargaining solution with the status quo as the disagreement point."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import ClassVar

import numpy as np

from detente.contract import Tags
from detente.models._weights import effective_weights
from detente.models.base import IssueDraws, IssueProblem, IssueSolution, OutcomeModel
from detente.models.compromise import weighted_mean
from detente.models.median import weighted_median

UTILITIES = ("quadratic", "linear")
POWERS = ("capability_salience", "capability")
LOSERS = ("outvoted", "veto", "by_rule")

_EXPONENT = {"quadratic": 2.0, "linear": 1.0}
_MAXITER = 100
"""Iterations of Brent's method: :func:`scipy.optimize.brentq`'s default."""
_RTOL = 1e-15
"""Relative tolerance of the root, as the per-draw solve passes to ``brentq``."""


def nash_gains(
    x: float | np.ndarray, position: np.ndarray, status_quo: float, exponent: float
) -> np.ndarray:
    """Each actor's utility gain over the status quo at outcome(s) ``x``.

    ``U_i(x) - U_i(d) = |d - x_i|^p - |x - x_i|^p`` for the loss ``|x - x_i|^p`` (p = 2
    quadratic, p = 1 linear). A salience factor on the loss is left out: the Nash solution is
    invariant to rescaling each actor's utility, so it would cancel (Nash 1950, axiom 1):
    salience enters the exponents instead (DECISIONS NASH-2).
    ``x`` may be a scalar (result shape (n,)) or an array (result shape x.shape + (n,)).
    """
    x_arr = np.asarray(x, dtype=float)[..., None]
    return np.asarray(
        np.abs(status_quo - position) ** exponent - np.abs(x_arr - position) ** exponent
    )


def nash_objective(
    x: float | np.ndarray,
    position: np.ndarray,
    power: np.ndarray,
    status_quo: float,
    exponent: float,
) -> np.ndarray:
    """The log Nash product ``Σ_i w_i log(U_i(x) - U_i(d))``; -inf where some gain is ≤ 0."""
    gain = nash_gains(x, position, status_quo, exponent)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(gain > 0, np.log(np.where(gain > 0, gain, 1.0)), -np.inf)
    return np.asarray((power * logs).sum(axis=-1))


def nash_slope(
    x: float, position: np.ndarray, power: np.ndarray, status_quo: float, exponent: float
) -> float:
    """d/dx of the log Nash product: ``Σ_i w_i · (-p |x - x_i|^(p-1) sign(x - x_i)) / gain_i``.

    Only meaningful where every gain is positive. Computed from the gains directly, so it
    stays accurate when the status quo is far away and the log product is numerically flat.
    Where a gain rounds to 0 (an end of the interval) the slope is its limit, ±inf.
    """
    gain = nash_gains(x, position, status_quo, exponent)
    dev = x - position
    dloss = exponent * np.abs(dev) ** (exponent - 1.0) * np.sign(dev)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(power * -dloss / gain))


def bargaining_range(
    position: np.ndarray, power: np.ndarray, d: float, tol: float, veto: bool = False
) -> tuple[np.ndarray, float, float] | None:
    """Who bargains over the status quo ``d`` and on what interval (DECISIONS NASH-4): the
    mask of the actors who bargain and the interval ``[lo, hi]`` every one of them prefers
    to ``d``; None when the status quo stands (no side holds a majority of the power, a
    veto player sits at or across from ``d``, or the interval is empty).

    Parameters
    ----------
    position : numpy.ndarray
        The actors' positions.
    power : numpy.ndarray
        Their bargaining power; zero takes no part.
    d : float
        The status quo (finite).
    tol : float
        Distance below which a position counts as at the status quo.
    veto : bool, default False
        Every actor with power must gain (unanimity); otherwise the majority side bargains
        and the outvoted are ignored.
    """
    active = power > 0
    side = np.where(position > d + tol, 1, np.where(position < d - tol, -1, 0))
    if veto:
        if np.any(active & (side == 0)) or (
            np.any(active & (side > 0)) and np.any(active & (side < 0))
        ):
            return None
        members = active
    else:
        total = float(power[active].sum())
        if float(power[active & (side > 0)].sum()) > total / 2:
            members = active & (side > 0)
        elif float(power[active & (side < 0)].sum()) > total / 2:
            members = active & (side < 0)
        else:
            return None
    x = position[members]
    radius = np.abs(d - x)
    lo, hi = float(np.max(x - radius)), float(np.min(x + radius))
    return None if hi - lo <= tol else (members, lo, hi)


def c_rows(a: np.ndarray) -> np.ndarray:
    """``a`` as a C-ordered float array: a row reduction of a C-ordered (draws, actors) array
    adds the numbers in the order the one-draw code does (numpy's pairwise sum); of a view
    in another order (draws of one issue sliced from (draws, actors, issues)) it need not."""
    return np.ascontiguousarray(a, dtype=float)


def packed_rows(mask: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The rows of a (draws, actors) ``mask`` grouped by their count of True: per count
    ``c``, the rows and the columns of their Trues in order, shape (rows, c).

    Gathering a group's members into a dense (rows, c) array lets every row reduction run
    on the same numbers in the same order as the one-draw code on ``array[mask]``, so the
    batched results are bit-identical to it (DECISIONS NASH-6).
    """
    counts = mask.sum(axis=1)
    order = np.argsort(~mask, axis=1, kind="stable")
    for c in np.unique(counts):
        rows = np.flatnonzero(counts == c)
        yield rows, order[rows, : int(c)]


def masked_sums(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``values[r][mask[r]].sum()`` for every row ``r``, bit for bit (:func:`packed_rows`)."""
    out = np.zeros(values.shape[0])
    for rows, cols in packed_rows(mask):
        out[rows] = np.take_along_axis(values[rows], cols, axis=1).sum(axis=1)
    return out


def bargaining_ranges(
    position: np.ndarray, power: np.ndarray, d: np.ndarray, tol: float, veto: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`bargaining_range` on every row of (draws, actors) arrays at once.

    Returns ``found`` (draws,), whether a range exists (:func:`bargaining_range` is not
    None), and the ``members`` (draws, actors), ``lo`` and ``hi`` (draws,) where it does;
    bit-identical to the one-draw function. A row without members is reported as found
    with ``lo = inf``: the caller solves it draw by draw.
    """
    dd = d[:, None]
    active = power > 0
    side = np.where(position > dd + tol, 1, np.where(position < dd - tol, -1, 0))
    above, below = active & (side > 0), active & (side < 0)
    if veto:
        found = ~(np.any(active & (side == 0), axis=1) | (above.any(axis=1) & below.any(axis=1)))
        members = active.copy()
    else:
        half = masked_sums(power, active) / 2
        up = masked_sums(power, above) > half
        down = ~up & (masked_sums(power, below) > half)
        found = up | down
        members = np.where(up[:, None], above, below)
    members &= found[:, None]
    radius = np.abs(dd - position)
    lo = np.where(members, position - radius, -np.inf).max(axis=1, initial=-np.inf)
    hi = np.where(members, position + radius, np.inf).min(axis=1, initial=np.inf)
    empty = found & ~members.any(axis=1)
    lo[empty], hi[empty] = np.inf, np.inf
    found &= empty | ~(hi - lo <= tol)
    return found, members, lo, hi


def brentq_rows(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    a: np.ndarray,
    b: np.ndarray,
    fa: np.ndarray,
    fb: np.ndarray,
    xtol: float,
    rtol: float = _RTOL,
    maxiter: int = _MAXITER,
) -> tuple[np.ndarray, np.ndarray]:
    """Brent's root finder on many brackets at once, step for step as
    :func:`scipy.optimize.brentq` (scipy's ``brentq.c``, Brent 1973, ch. 4).

    ``f(z, rows)`` is the function of rows ``rows`` at the points ``z``; ``fa``, ``fb`` its
    values at the ends, of opposite signs and nonzero. Each row takes the same IEEE
    operations as ``brentq`` on that row alone, so the roots are bit-identical to it. Returns
    the roots and whether each converged (False: ``brentq`` would raise, on a NaN value or
    after ``maxiter`` iterations; the caller solves that row alone).
    """
    n = len(a)
    root, ok = np.full(n, np.nan), np.zeros(n, dtype=bool)
    rows = np.arange(n)
    xpre, xcur, fpre, fcur = a.copy(), b.copy(), fa.copy(), fb.copy()
    xblk, fblk, spre, scur = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(maxiter):
            new = (fpre != 0) & (fcur != 0) & (np.signbit(fpre) != np.signbit(fcur))
            xblk = np.where(new, xpre, xblk)
            fblk = np.where(new, fpre, fblk)
            spre = np.where(new, xcur - xpre, spre)
            scur = np.where(new, spre, scur)
            swap = np.abs(fblk) < np.abs(fcur)
            xpre, xcur, xblk = (
                np.where(swap, xcur, xpre),
                np.where(swap, xblk, xcur),
                np.where(swap, xcur, xblk),
            )
            fpre, fcur, fblk = (
                np.where(swap, fcur, fpre),
                np.where(swap, fblk, fcur),
                np.where(swap, fcur, fblk),
            )
            delta = (xtol + rtol * np.abs(xcur)) / 2
            sbis = (xblk - xcur) / 2
            done = (fcur == 0) | (np.abs(sbis) < delta)
            if done.any():
                root[rows[done]], ok[rows[done]] = xcur[done], True
                keep = ~done
                rows, xpre, xcur, xblk = rows[keep], xpre[keep], xcur[keep], xblk[keep]
                fpre, fcur, fblk = fpre[keep], fcur[keep], fblk[keep]
                spre, scur, delta, sbis = spre[keep], scur[keep], delta[keep], sbis[keep]
                if not len(rows):
                    break
            tried = (np.abs(spre) > delta) & (np.abs(fcur) < np.abs(fpre))
            dpre = (fpre - fcur) / (xpre - xcur)
            dblk = (fblk - fcur) / (xblk - xcur)
            stry = np.where(
                xpre == xblk,
                -fcur * (xcur - xpre) / (fcur - fpre),  # interpolate
                -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre)),
            )
            bound = 3 * np.abs(sbis) - delta
            short = tried & (2 * np.abs(stry) < np.where(np.abs(spre) < bound, np.abs(spre), bound))
            spre, scur = np.where(short, scur, sbis), np.where(short, stry, sbis)
            xpre, fpre = xcur, fcur
            step = np.where(np.abs(scur) > delta, scur, np.where(sbis > 0, delta, -delta))
            xcur = xcur + step
            fcur = f(xcur, rows)
            bad = np.isnan(fcur)
            if bad.any():  # brentq raises: leave the row to the one-draw solve
                keep = ~bad
                rows, xpre, xcur, xblk = rows[keep], xpre[keep], xcur[keep], xblk[keep]
                fpre, fcur, fblk = fpre[keep], fcur[keep], fblk[keep]
                spre, scur = spre[keep], scur[keep]
                if not len(rows):
                    break
    return root, ok


def _brackets(fa: np.ndarray, fb: np.ndarray) -> np.ndarray:
    """Where the slopes at the ends bracket the maximum, as :meth:`NashBargaining.solve_issue`
    asks before it calls ``brentq``."""
    return np.asarray((fa > 0) & (fb < 0))


def _slopes(
    z: np.ndarray, x: np.ndarray, w: np.ndarray, d: np.ndarray, exponent: float
) -> np.ndarray:
    """:func:`nash_slope` of every row of (rows, members) arrays at the points ``z`` (rows,),
    with the same operations in the same order."""
    zz, dd = z[:, None], d[:, None]
    gain = np.abs(dd - x) ** exponent - np.abs(zz - x) ** exponent
    dev = zz - x
    dloss = exponent * np.abs(dev) ** (exponent - 1.0) * np.sign(dev)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray((w * -dloss / gain).sum(axis=1))


def _limit(position: np.ndarray, power: np.ndarray, utility: str) -> float:
    """The Nash solution as the disagreement point moves far away (Achen 2006).

    Quadratic losses give the power-weighted mean, linear losses the power-weighted median.
    The model's answer where the status quo is unknown (DECISIONS NASH-3).
    """
    if utility == "quadratic":
        return float(weighted_mean(position, power))
    return float(weighted_median(position, power))


def draw_rows(
    draws: IssueDraws, power: str, utility: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What the batched bargaining solutions (Nash, Kalai–Smorodinsky) start from: the draws'
    positions and bargaining powers as C-ordered rows (``power``: ``"equal"``,
    ``"capability"`` or ``"capability_salience"``), the status quo ``d``, the outcomes so
    far (the weighted mean or median where the status quo is unknown, as in
    :func:`_limit`) and the draws whose status quo is known."""
    position, capability = c_rows(draws.position), c_rows(draws.capability)
    if power == "equal":
        weight = np.ones(position.shape)
    else:
        salience = c_rows(draws.salience) if power == "capability_salience" else 1.0
        weight = effective_weights(capability * salience)
    d = np.asarray(draws.status_quo, dtype=float)
    out = d.copy()
    unknown = ~np.isfinite(d)
    if unknown.any():
        limit = weighted_mean if utility == "quadratic" else weighted_median
        out[unknown] = limit(position[unknown], weight[unknown])
    return position, weight, d, out, np.flatnonzero(~unknown)


class NashBargaining(OutcomeModel):
    """Asymmetric Nash bargaining solution, the status quo as disagreement point.

    The outcome maximises the asymmetric (generalised) Nash product over the points every
    bargaining actor weakly prefers to the status quo ``d``:

    .. math:: x^* = \\arg\\max_x \\sum_i w_i \\log\\big(U_i(x) - U_i(d)\\big),
              \\qquad U_i(x) = -|x - x_i|^p,

    with ``p = 2`` (quadratic loss, Achen 2006; the default, DECISIONS NASH-1) or ``p = 1``
    (linear loss). Bargaining power
    ``w_i`` is capability × salience (``power="capability_salience"``, the "effective power"
    of Achen 2006, eq. 3, and the salience-weighted NBS of Schneider, Finke & Bailer 2010) or
    capability alone (``power="capability"``). A salience factor inside ``U_i`` would have no
    effect: the Nash solution is invariant to rescaling any one actor's utility.

    As the disagreement point moves far from every position, the first-order condition
    ``Σ w_i (x - x_i) / ((d - x_i)^2 - (x - x_i)^2) = 0`` tends to ``Σ w_i (x - x_i) = 0``: the
    quadratic-loss solution tends to the power-weighted mean, i.e. the compromise model
    (Achen 2006), and the linear-loss solution to the power-weighted median. Where the
    status quo is unknown the model returns that limit. With a known status quo, actors far
    from it pull less than in the compromise model, so the outcome leans toward the status quo.

    Actors who cannot gain. The unrestricted NBS gives every actor a veto: if some actor sits
    at the status quo, or actors lie on both sides of it, the only point all weakly prefer is
    the status quo itself. ``losers`` chooses what happens then (DECISIONS NASH-4):

    - ``"veto"``: Nash's individual rationality for everyone; the outcome is the status quo.
    - ``"outvoted"`` (default): the actors on the side of the status quo that holds a strict
      majority of the total bargaining power (actors at the status quo counted in the total)
      bargain among themselves; the others are outvoted. Without such a majority the status
      quo stays.
    - ``"by_rule"``: ``"veto"`` where the issue's decision rule (``problem.rule``) is
      unanimity, ``"outvoted"`` otherwise.

    Declared veto players and qualified majorities are not part of the bargaining: like every
    model's, the answer is checked against the issue's decision rule by
    :meth:`~detente.models.base.OutcomeModel.predict`, which flags it and reports the nearest
    point that passes (docs/DECISIONS.md, SCN-9).

    Actors with zero power do not constrain the outcome. The solution is sought on the open
    interval where every bargaining actor gains; the objective is strictly concave there, so
    the root of its slope
    is found with :func:`scipy.optimize.brentq` (bounded :func:`~scipy.optimize.minimize_scalar`
    as a fallback).

    Parameters
    ----------
    utility : {"quadratic", "linear"}
    power : {"capability_salience", "capability"}
    losers : {"outvoted", "veto", "by_rule"}

    References
    ----------
    Nash, J. F. (1950). The bargaining problem. *Econometrica* 18(2), 155-162.
    Achen, C. H. (2006). Institutional realism and bargaining models. In Thomson, Stokman,
    Achen & König (eds.), *The European Union Decides*, ch. 4. Cambridge UP.
    Schneider, G., Finke, D., & Bailer, S. (2010). Bargaining power in the European Union: an
    evaluation of competing game-theoretic models. *Political Studies* 58(1), 85-103.
    """

    name = "nash"
    label = "Nash bargaining (status quo as disagreement point)"
    reference = "Nash 1950; Achen 2006; Schneider, Finke & Bailer 2010"
    tags = Tags(batchable=True)
    choices: ClassVar[Mapping[str, Sequence[str]]] = {
        "utility": UTILITIES,
        "power": POWERS,
        "losers": LOSERS,
    }

    def __init__(
        self,
        utility: str = "quadratic",
        power: str = "capability_salience",
        losers: str = "outvoted",
    ) -> None:
        self.utility = utility
        self.power = power
        self.losers = losers

    def bargaining_power(self, problem: IssueProblem) -> np.ndarray:
        """The Nash exponents ``w_i`` (equal where they all are zero).

        Parameters
        ----------
        problem : IssueProblem
            The issue's capabilities and saliences.
        """
        raw = problem.weight if self.power == "capability_salience" else problem.capability
        return effective_weights(raw)

    def _veto(self, problem: IssueProblem) -> bool:
        return self.losers == "veto" or (
            self.losers == "by_rule" and problem.rule.kind == "unanimity"
        )

    def solve_draws(self, draws: IssueDraws) -> np.ndarray:
        """Every draw at once, bit-identical to :meth:`solve_issue` draw by draw: the
        bargaining ranges as arrays, then Brent's method on all slopes together
        (:func:`brentq_rows`); a draw ``brentq`` would not take (flat ends, a NaN slope)
        is solved alone (DECISIONS NASH-6)."""
        self.check_choices()
        problem = draws.problem
        position, power, d, out, known = draw_rows(draws, self.power, self.utility)
        if not len(known):
            return out
        span = float(problem.scale[1] - problem.scale[0])
        found, members, lo, hi = bargaining_ranges(
            position[known], power[known], d[known], 1e-9 * max(span, 1.0), self._veto(problem)
        )
        alone: list[int] = []
        p = _EXPONENT[self.utility]
        xtol = 1e-12 * max(span, 1.0)
        scale = problem.scale
        for rows, cols in packed_rows(members):
            rows, cols = rows[found[rows]], cols[found[rows]]
            if not len(rows) or not cols.shape[1]:  # no members: as the one-draw solve
                alone.extend(known[rows].tolist())
                continue
            at = known[rows]
            x = np.take_along_axis(position[at], cols, axis=1)
            w = np.take_along_axis(power[at], cols, axis=1)
            dk = d[at]
            eps = 1e-12 * (hi[rows] - lo[rows])
            a, b = lo[rows] + eps, hi[rows] - eps
            fa, fb = _slopes(a, x, w, dk, p), _slopes(b, x, w, dk, p)
            sel = np.flatnonzero(_brackets(fa, fb))  # else the bounded minimiser, alone
            alone.extend(at[np.setdiff1d(np.arange(len(rows)), sel)].tolist())
            xs, ws, ds = x[sel], w[sel], dk[sel]

            def slope(z: np.ndarray, r: np.ndarray) -> np.ndarray:
                return _slopes(z, xs[r], ws[r], ds[r], p)  # noqa: B023 (used in this pass)

            root, ok = brentq_rows(slope, a[sel], b[sel], fa[sel], fb[sel], xtol)
            alone.extend(at[sel[~ok]].tolist())
            out[at[sel[ok]]] = np.clip(root[ok], scale[0], scale[1])
        for i in alone:
            out[i] = self.solve_issue(draws.version(i)).outcome
        return out

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        self.check_choices()
        position = np.asarray(problem.position, dtype=float)
        power = self.bargaining_power(problem)
        d = float(problem.status_quo)
        if not math.isfinite(d):
            return IssueSolution(outcome=_limit(position, power, self.utility))

        span = float(problem.scale[1] - problem.scale[0])
        found = bargaining_range(position, power, d, 1e-9 * max(span, 1.0), self._veto(problem))
        if found is None:
            return IssueSolution(outcome=d)
        members, lo, hi = found
        x, w = position[members], power[members]
        p = _EXPONENT[self.utility]
        eps = 1e-12 * (hi - lo)
        a, b = lo + eps, hi - eps
        xtol = 1e-12 * max(span, 1.0)
        from scipy.optimize import brentq, minimize_scalar  # here: a faster CLI start

        if nash_slope(a, x, w, d, p) > 0 > nash_slope(b, x, w, d, p):
            # The log Nash product is strictly concave on (lo, hi): its slope falls from
            # +inf to -inf and crosses zero once, at the maximum (DECISIONS NASH-5).
            best = float(brentq(nash_slope, a, b, args=(x, w, d, p), xtol=xtol, rtol=1e-15))
        else:  # numerically flat ends; fall back on the bounded minimiser

            def negative_log_product(z: float) -> float:
                return -float(nash_objective(z, x, w, d, p))

            result = minimize_scalar(
                negative_log_product, bounds=(a, b), method="bounded", options={"xatol": xtol}
            )
            best = float(result.x)
        outcome = float(np.clip(best, problem.scale[0], problem.scale[1]))
        return IssueSolution(outcome=outcome)
