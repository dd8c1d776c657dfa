"""Figures the benchmarks print."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The sample below which `fraction` of them fall (nearest rank, no interpolation)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def latency_summary(seconds: Sequence[float]) -> str:
    """`n=…, p50 …, p90 …, p99 …, max …, mean …` of durations given in seconds, in ms."""
    milliseconds = [sample * 1000 for sample in seconds]
    figures = ", ".join(
        f"p{round(fraction * 100)} {percentile(milliseconds, fraction):.2f} ms"
        for fraction in (0.5, 0.9, 0.99)
    )
    return (
        f"n={len(milliseconds)} {figures}, max {max(milliseconds):.2f} ms, "
        f"mean {statistics.fmean(milliseconds):.2f} ms"
    )
