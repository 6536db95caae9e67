"""Latency over the run as a PNG: join → both told per match, and the hop probe."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot(summary: dict[str, Any], path: Path) -> None:
    import matplotlib  # the `load` extra; imported only when a plot is asked for

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    both = summary["series"]["both_told"]
    hop = summary["series"]["hop"]
    fig, ax = plt.subplots(figsize=(10, 5), dpi=110)
    if both:
        ax.scatter(
            [t for t, _ in both],
            [v * 1000 for _, v in both],
            s=10,
            label="join → both told (per match)",
            color="tab:blue",
        )
    if hop:
        ax.plot(
            [t for t, _ in hop],
            [v * 1000 for _, v in hop],
            lw=1,
            label="SNS FIFO → SQS FIFO hop (probe)",
            color="tab:orange",
        )
        ax.plot(
            [t for t, _ in hop],
            [3000 * v for _, v in hop],
            lw=0.8,
            ls="--",
            label="3 x hop",
            color="tab:red",
        )
    cfg = summary["config"]
    ax.set_title(
        f"Parley load: {cfg['people']} people, {cfg['joins_per_s']:g} joins/s offered, "
        f"{summary['joins_per_s']['achieved']:.2f} accepted"
    )
    ax.set_xlabel("seconds into the run")
    ax.set_ylabel("latency (ms, log scale)")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=3, frameon=False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
