"""The forest and funnel plots' geometry, from stored plot data: scale, ticks, line of no
effect, squares, diamond, prediction interval, log axis."""

import math

import pytest

from public.forest import funnel_layout, layout, log_ticks, nice_ticks, number
from tests import grade_detail as gd


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


def test_log_ticks_are_one_two_five_steps_covering_the_range():
    assert log_ticks(0.7, 3.1) == pytest.approx([0.5, 1, 2, 5])


def test_numbers_use_a_real_minus_sign_and_no_trailing_zeros():
    assert [number(v) for v in (-0.21, 2.50, 13.0, -0.001)] == ["−0.21", "2.5", "13", "0"]


def _plot(*rows, **fields):
    return gd.forest([gd.study_row(*row) for row in rows], **fields)


def test_the_scale_always_shows_the_line_of_no_effect():
    plot = layout(_plot(("A", 10, 8, 12), ("B", 14, 12, 16)))

    assert plot.plot_left <= plot.null_x <= plot.plot_right
    assert plot.ticks[0].label == "0"


def test_every_mark_sits_inside_the_plot_area():
    plot = layout(
        _plot(
            ("A", -3, -7, 1),
            ("B", 2, 1, 3),
            ("C", 8, 2, 14),
            pooled={"label": "Pooled", "estimate": 2, "ci_low": 0, "ci_high": 4},
            pi=[-6.0, 10.0],
        )
    )

    for row in plot.rows:
        assert plot.plot_left <= row.x_low <= row.x <= row.x_high <= plot.plot_right
    assert plot.plot_left <= plot.pi.x_low < plot.pi.x_high <= plot.plot_right
    assert plot.height > plot.axis_y > plot.pi.y > plot.diamond.y > plot.rows[-1].y


def test_a_heavier_study_gets_a_bigger_square_and_its_weight_shown():
    big, small = layout(
        gd.forest(
            [gd.study_row("A", 2, 1, 3, weight=80.0), gd.study_row("B", 3, 0, 6, weight=20.0)]
        )
    ).rows

    assert big.square > small.square
    assert big.square_x == pytest.approx(big.x - big.square / 2, abs=0.01)
    assert (big.weight, small.weight) == ("80.0%", "20.0%")


def test_the_diamond_spans_the_pooled_interval():
    plot = layout(
        _plot(
            ("A", 2, 1, 3),
            ("B", 4, 3, 5),
            pooled={"label": "Pooled (REML)", "estimate": 3, "ci_low": 2, "ci_high": 4},
        )
    )

    left, top, right, _ = (p.split(",") for p in plot.diamond.points.split())
    assert float(left[0]) < float(top[0]) < float(right[0])
    assert float(top[0]) == pytest.approx((plot.rows[0].x + plot.rows[1].x) / 2)
    assert plot.diamond.text == "3 [2 to 4]"
    assert plot.diamond.label == "Pooled (REML)"


def test_ratios_are_drawn_on_a_log_axis_around_one():
    plot = layout(
        _plot(
            ("A", 2.0, 1.0, 4.0),
            ("B", 0.5, 0.25, 1.0),
            log=True,
            null=1.0,
            pooled={"label": "Pooled", "estimate": 1.0, "ci_low": 0.5, "ci_high": 2.0},
        )
    )

    a, b = plot.rows
    # On a log axis 2 and 0.5 sit the same distance either side of 1.
    assert a.x - plot.null_x == pytest.approx(plot.null_x - b.x, abs=0.02)
    assert plot.log and "1" in [t.label for t in plot.ticks]


def test_rows_without_a_full_interval_are_named_but_not_drawn():
    plot = layout(gd.forest([gd.study_row("A", 2, 1, 3), gd.study_row("B", None, None, None)]))

    assert [row.label for row in plot.rows] == ["A"]
    assert plot.unplotted == ("B",)


def test_nothing_to_draw_gives_no_plot():
    assert layout(gd.forest([gd.study_row("B", None, None, None)])) is None
    assert layout(gd.forest([gd.study_row("A", 0.0, -1.0, 2.0)], log=True)) is None


def test_a_funnel_puts_precise_studies_at_the_top_around_the_pooled_line():
    funnel = funnel_layout(
        {
            "points": [
                {"label": "A", "estimate": 1.0, "se": 0.1},
                {"label": "B", "estimate": 2.0, "se": 0.5},
            ],
            "egger_p": 0.3,
            "pooled": 1.2,
        }
    )

    precise, loose = funnel.points
    assert precise.y < loose.y
    assert funnel.left <= funnel.pooled_x <= funnel.right
    apex = funnel.funnel_points.split()[0].split(",")
    assert float(apex[0]) == pytest.approx(funnel.pooled_x)


def test_a_funnel_on_a_ratio_measure_uses_a_log_axis():
    funnel = funnel_layout(
        {"points": [{"label": "A", "estimate": 2.0, "se": 0.2}], "pooled": 1.0}, log=True
    )

    assert funnel.log
    assert math.isfinite(funnel.points[0].x)


def test_a_long_favours_label_is_cut_to_the_room_beside_the_null_line():
    long = "Favours any single therapy (mixed comparators, as the review grouped them)"
    plot = layout(_plot(("A", 18, 13, 22), ("B", 2.5, 1, 4), favours_left=long))

    assert plot.favours_left.endswith("…")
    assert len(plot.favours_left) * 6.2 <= plot.null_x + 6.2
