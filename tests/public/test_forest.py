"""The forest plot's geometry: scale, ticks, line of no effect, squares, diamond."""

import pytest

from evidence.meta_analysis import comparable_groups
from public.forest import layout, nice_ticks, number
from tests.evidence.effects import effect_from_variance


def _effect(estimate, variance, study_id, unit="hairs/cm2"):
    return effect_from_variance(estimate, variance, unit=unit, study_id=study_id)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 30, [0, 10, 20, 30]),
        (-2.94, 2.52, [-4, -2, 0, 2, 4]),
        (0.23, 1.42, [0, 0.5, 1.0, 1.5]),
        (5, 5, [4, 4.5, 5, 5.5, 6]),
    ],
)
def test_ticks_are_round_numbers_covering_the_range(low, high, expected):
    assert nice_ticks(low, high) == pytest.approx(expected)


def test_numbers_use_a_real_minus_sign_and_no_trailing_zeros():
    assert [number(v) for v in (-0.21, 2.50, 13.0, -0.001)] == ["−0.21", "2.5", "13", "0"]


def test_the_scale_always_shows_the_line_of_no_effect():
    (group,) = comparable_groups([_effect(10, 1, 1), _effect(14, 1, 2)])

    plot = layout(group)

    assert plot.plot_left <= plot.zero_x <= plot.plot_right
    assert plot.ticks[0].label == "0"


def test_every_mark_sits_inside_the_plot_area():
    (group,) = comparable_groups([_effect(-3, 4, 1), _effect(2, 0.5, 2), _effect(8, 9, 3)])

    plot = layout(group)

    for row in plot.rows:
        assert plot.plot_left <= row.x_low <= row.x <= row.x_high <= plot.plot_right
    assert plot.height > plot.axis_y > plot.rows[-1].y


def test_a_more_precise_study_gets_a_bigger_square():
    (group,) = comparable_groups([_effect(2, 0.1, 1), _effect(3, 10, 2)])

    big, small = layout(group).rows

    assert big.square > small.square
    assert big.square_x == pytest.approx(big.x - big.square / 2, abs=0.01)


def test_a_pooled_group_gets_a_diamond_spanning_its_interval_and_weights_shown():
    (group,) = comparable_groups([_effect(2, 1, 1), _effect(4, 1, 2)])

    plot = layout(group)

    left, top, right, bottom = (p.split(",") for p in plot.diamond.points.split())
    assert float(left[0]) < float(top[0]) < float(right[0])
    assert float(top[0]) == pytest.approx(plot.rows[0].x + (plot.rows[1].x - plot.rows[0].x) / 2)
    assert plot.diamond.text.startswith("3 [")
    assert [row.weight for row in plot.rows] == ["50.0%", "50.0%"]


def test_an_unpooled_group_has_no_diamond_and_shows_no_weights():
    (group,) = comparable_groups([_effect(2, 1, 1, unit=""), _effect(4, 1, 2, unit="")])

    plot = layout(group)

    assert plot.diamond is None
    assert all(row.weight == "" for row in plot.rows)
