"""Test data for the meta-analysis and forest-plot modules: an effect from its variance."""

import math

from evidence.meta_analysis import Z_95, Effect


def effect_from_variance(
    estimate, variance, *, unit="hairs/cm2", study_id=None, label=None
) -> Effect:
    """A reported mean difference whose 95% CI gives back exactly `variance`."""
    half = Z_95 * math.sqrt(variance)
    return Effect(
        label=label or f"Study {study_id}",
        estimate=estimate,
        ci_low=estimate - half,
        ci_high=estimate + half,
        unit=unit,
        measure="hair count",
        source="reported",
        study_id=study_id,
    )
