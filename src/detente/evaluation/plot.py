"""The figure of a rolling-origin backtest: CRPS by horizon per model, and forecast fans
at a few origins against the observed area."""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.plotting import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from detente.evaluation.rolling import EvaluationResult


def evaluation_figure(
    result: EvaluationResult,
    *,
    n_fans: int = 3,
    fan_models: tuple[str, ...] = ("detente", "war", "arima"),
) -> Figure:
    """Top: mean CRPS (km²) by horizon, one line per model. Bottom: the observed week-end
    area and, at ``n_fans`` origins spread over the run, the 50 % and 90 % central intervals
    and the median of ``fan_models`` (those that ran) at each horizon."""
    import pandas as pd

    fig = new_figure(figsize=(9, 8), layout="constrained")
    ax_score, ax_fan = fig.subplots(2, 1)
    scores = result.to_frame()
    for model, g in scores.groupby("model", sort=False):
        ax_score.plot(g["horizon_weeks"], g["crps"], marker="o", label=str(model))
    ax_score.set_xlabel("horizon (weeks)")
    ax_score.set_ylabel("mean CRPS (km²)")
    ax_score.set_title(f"Rolling-origin backtest: {len(result.origins)} origins")
    ax_score.legend(fontsize="small", ncol=2)

    truth = result.truth
    ax_fan.plot(truth.index, truth.to_numpy(), color="black", lw=1.2, label="observed")
    origins = list(result.origins)
    if origins and n_fans > 0:
        step = max(1, len(origins) // n_fans)
        picked = origins[::step][:n_fans]
        f = result.forecasts
        colors = ("tab:blue", "tab:orange", "tab:green", "tab:red")
        for m, model in enumerate(m for m in fan_models if m in set(f["model"])):
            color = colors[m % len(colors)]
            for i, origin in enumerate(picked):
                g = f[(f["model"] == model) & (f["origin"] == pd.Timestamp(origin))]
                if g.empty:
                    continue
                start = pd.Timestamp(origin)
                x = [start, *g["target"]]
                base = float(truth[start])

                def band(col: str, base: float = base, g: pd.DataFrame = g) -> list[float]:
                    return [base, *g[col].to_numpy().tolist()]

                ax_fan.fill_between(
                    x,
                    band("q05"),
                    band("q95"),
                    color=color,
                    alpha=0.15,
                    label=f"{model} 90 %" if i == 0 else None,
                )
                ax_fan.fill_between(
                    x,
                    band("q25"),
                    band("q75"),
                    color=color,
                    alpha=0.3,
                    label=f"{model} 50 %" if i == 0 else None,
                )
                ax_fan.plot(
                    x, band("q50"), color=color, lw=1, label=f"{model} median" if i == 0 else None
                )
    ax_fan.set_ylabel("occupied area (km²)")
    ax_fan.set_title("Forecast fans at a few origins")
    ax_fan.legend(fontsize="small")
    return fig
