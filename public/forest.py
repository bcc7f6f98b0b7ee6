"""Where everything goes in a forest plot: pure geometry for a server-rendered SVG.

Pure: no database access and no drawing library; the template turns the numbers into SVG.
One row per result: a square at the estimate, sized by the result's weight (side proportional
to the square root of the weight, so the area follows the weight), and a line across its 95%
CI; a diamond spans the pooled CI when there is one; a vertical line marks no effect (0). The
horizontal scale always includes 0 and every CI, widened to round tick values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from evidence.meta_analysis import Group

WIDTH = 720
LABEL_WIDTH = 190  # study names, left
TEXT_WIDTH = 230  # "MD [95% CI]" and weight, right
ROW_HEIGHT = 26
TOP = 34  # column headings
AXIS_SPACE = 44  # axis line, tick labels and the axis title
SQUARE_MIN, SQUARE_MAX = 5.0, 15.0
DIAMOND_HALF_HEIGHT = 7.0


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Row:
    y: float
    label: str
    text: str  # estimate [CI], as drawn
    weight: str  # "38.2%" when pooled; "" otherwise (the weight only sizes the square)
    x: float  # the estimate
    x_low: float
    x_high: float
    square: float  # side of the square
    square_x: float  # its top-left corner
    square_y: float
    estimate_text: str
    ci_text: str
    measure: str
    source: str


@dataclass(frozen=True)
class Diamond:
    y: float
    points: str  # SVG polygon points
    text: str
    estimate_text: str
    ci_text: str


@dataclass(frozen=True)
class Plot:
    width: int
    height: int
    plot_left: float
    plot_right: float
    axis_y: float
    tick_end_y: float
    tick_label_y: float
    axis_title_y: float
    zero_x: float
    ticks: tuple[Tick, ...]
    rows: tuple[Row, ...]
    diamond: Diamond | None


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high], about `count` of them (1, 2 or 5 times a power
    of ten apart)."""
    if high < low:
        low, high = high, low
    if high == low:
        low, high = low - 1, high + 1
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    n = round((last - first) / step)
    return [_clean(first + i * step) for i in range(n + 1)]


def _clean(value: float) -> float:
    # 0.30000000000000004 -> 0.3, and -0.0 -> 0.0
    return round(value, 10) + 0.0


def number(value: float) -> str:
    """A number for display: up to two decimals, no trailing zeros, a real minus sign."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace("-", "\N{MINUS SIGN}")


def ci_text(low: float, high: float) -> str:
    return f"{number(low)} to {number(high)}"


def estimate_text(estimate: float, low: float, high: float) -> str:
    return f"{number(estimate)} [{ci_text(low, high)}]"


def layout(group: Group, *, width: int = WIDTH) -> Plot:
    """Positions for every mark of one group's forest plot."""
    effects = group.effects
    pooled = group.pooled
    lows = [e.ci_low for e in effects] + ([pooled.ci_low] if pooled else []) + [0.0]
    highs = [e.ci_high for e in effects] + ([pooled.ci_high] if pooled else []) + [0.0]
    tick_values = nice_ticks(min(lows), max(highs))
    domain_low, domain_high = tick_values[0], tick_values[-1]
    left, right = float(LABEL_WIDTH), float(width - TEXT_WIDTH)

    def x_of(value: float) -> float:
        return round(left + (value - domain_low) / (domain_high - domain_low) * (right - left), 2)

    top_weight = max(group.weights)
    rows = []
    for index, (effect, weight) in enumerate(zip(effects, group.weights, strict=True)):
        side = round(SQUARE_MIN + (SQUARE_MAX - SQUARE_MIN) * math.sqrt(weight / top_weight), 2)
        y = TOP + ROW_HEIGHT * index + ROW_HEIGHT / 2
        x = x_of(effect.estimate)
        rows.append(
            Row(
                y=y,
                label=effect.label,
                text=estimate_text(effect.estimate, effect.ci_low, effect.ci_high),
                weight=f"{weight:.1f}%" if pooled else "",
                x=x,
                x_low=x_of(effect.ci_low),
                x_high=x_of(effect.ci_high),
                square=side,
                square_x=round(x - side / 2, 2),
                square_y=round(y - side / 2, 2),
                estimate_text=number(effect.estimate),
                ci_text=ci_text(effect.ci_low, effect.ci_high),
                measure=effect.measure,
                source=effect.source,
            )
        )
    bottom = TOP + ROW_HEIGHT * len(rows)
    diamond = None
    if pooled:
        y = bottom + ROW_HEIGHT / 2
        centre, low, high = x_of(pooled.estimate), x_of(pooled.ci_low), x_of(pooled.ci_high)
        h = DIAMOND_HALF_HEIGHT
        diamond = Diamond(
            y=y,
            points=f"{low},{y} {centre},{y - h} {high},{y} {centre},{y + h}",
            text=estimate_text(pooled.estimate, pooled.ci_low, pooled.ci_high),
            estimate_text=number(pooled.estimate),
            ci_text=ci_text(pooled.ci_low, pooled.ci_high),
        )
        bottom += ROW_HEIGHT
    axis_y = bottom + 6
    return Plot(
        width=width,
        height=int(axis_y + AXIS_SPACE),
        plot_left=left,
        plot_right=right,
        axis_y=axis_y,
        tick_end_y=axis_y + 5,
        tick_label_y=axis_y + 18,
        axis_title_y=axis_y + 36,
        zero_x=x_of(0.0),
        ticks=tuple(Tick(x_of(v), number(v)) for v in tick_values),
        rows=tuple(rows),
        diamond=diamond,
    )
