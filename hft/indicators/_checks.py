"""Validate indicator parameters, raising ValueError that names the parameter."""

from __future__ import annotations

import math
import numbers

from hft.core.stats import check_same_length  # noqa: F401  (one check, shared with core.stats)


def check_period(name: str, value: object, minimum: int = 1) -> int:
    """Return value as an int, or raise ValueError unless it is an integer >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_positive(name: str, value: object) -> float:
    """Return value as a float, or raise ValueError unless it is a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    v = float(value)
    if not (v > 0.0) or math.isinf(v):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return v
