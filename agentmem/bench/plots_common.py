"""What the bench reports share: the model header of a report, matplotlib without a display,
and a panel of a score against the budget, one line per arm (the full cache dashed)."""

from __future__ import annotations

from pathlib import Path

import torch


def model_header(llm) -> dict:
    """Which model, weights and device produced a report."""
    return {
        "model": str(llm.source or llm.model.config.name_or_path),
        "fingerprint": llm.fingerprint,
        "device": str(llm.device),
        "torch": torch.__version__,
    }


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend (benchmarks run without a display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def budget_panel(ax, lines: dict[str, list[tuple[float, float]]], *, xlabel: str, title: str):
    """``lines``: arm -> ``(budget, value)`` points; the arm ``full`` is one dashed level."""
    for arm, points in sorted(lines.items()):
        points = sorted(points)
        if arm == "full":
            ax.axhline(points[0][1], color="black", linestyle="--", label="full")
        else:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=arm)
    ax.set_xscale("log", base=2)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(fontsize=7)


def save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    pyplot().close(fig)
    return path
