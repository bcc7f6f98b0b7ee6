"""Where everything goes in a forest plot and a funnel plot: pure geometry for server-drawn SVG.

Pure: no database, no statistics and no drawing library. It reads the plot data grading stored
in `Claim.grade_detail` (docs: /notes/grade_detail.md; numbers already on the display scale,
ratios back-transformed) and returns positions; the templates turn them into SVG.

Forest plot: one row per study or review, a square at the estimate sized by its weight (side
proportional to the square root of the weight, so the area follows the weight) and a line across
its 95% CI; a diamond spans the pooled CI; the prediction interval is a line under the diamond;
a dashed vertical line marks no effect (0, or 1 for ratios, drawn on a log axis). The scale
always includes the line of no effect and every interval, widened to round tick values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

WIDTH = 720
LABEL_WIDTH = 190  # study names, left
TEXT_WIDTH = 230  # "estimate [95% CI]" and weight, right
ROW_HEIGHT = 26
TOP = 34  # column headings
AXIS_SPACE = 62  # axis line, tick labels, "favours" labels and the axis title
SQUARE_MIN, SQUARE_MAX = 5.0, 15.0
DIAMOND_HALF_HEIGHT = 7.0
# 1-2-5 steps for a log axis, from 0.001 to 1000.
_LOG_STEPS = sorted(m * 10.0**p for p in range(-3, 4) for m in (1, 2, 5))


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Row:
    y: float
    label: str
    text: str  # estimate [CI], as drawn
    weight: str  # "38.2%" when a weight is known, else ""
    x: float
    x_low: float
    x_high: float
    square: float  # side of the square
    square_x: float  # its top-left corner
    square_y: float
    estimate_text: str
    ci_text: str
    kind: str  # "study" or "review"


@dataclass(frozen=True)
class Diamond:
    y: float
    label: str
    points: str  # SVG polygon points
    text: str
    estimate_text: str
    ci_text: str


@dataclass(frozen=True)
class Interval:
    """The prediction interval: a line at height y from x_low to x_high."""

    y: float
    x_low: float
    x_high: float
    text: str


@dataclass(frozen=True)
class Plot:
    width: int
    height: int
    plot_left: float
    plot_right: float
    axis_y: float
    tick_end_y: float
    tick_label_y: float
    favours_y: float
    axis_title_y: float
    null_x: float
    log: bool
    ticks: tuple[Tick, ...]
    rows: tuple[Row, ...]
    diamond: Diamond | None
    pi: Interval | None
    favours_left: str
    favours_right: str
    unplotted: tuple[str, ...]  # rows without a full estimate and CI: named in the text only

    @property
    def has_weights(self) -> bool:
        return any(row.weight for row in self.rows)


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


def log_ticks(low: float, high: float) -> list[float]:
    """1-2-5 ticks covering [low, high] (both > 0) on a log axis: 0.5, 1, 2, 5."""
    low, high = min(low, high), max(low, high)
    first = max((v for v in _LOG_STEPS if v <= low), default=_LOG_STEPS[0])
    last = min((v for v in _LOG_STEPS if v >= high), default=_LOG_STEPS[-1])
    ticks = [v for v in _LOG_STEPS if first <= v <= last]
    if len(ticks) > 7:  # a wide range: keep the powers of ten and the ends
        ticks = [v for v in ticks if v in (first, last) or math.log10(v).is_integer()]
    return ticks


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


def _finite(value: Any, *, positive: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and (value > 0 or not positive)


def _interval(item: Mapping[str, Any] | None, *, log: bool) -> tuple[float, float, float] | None:
    """(estimate, low, high) when all three are numbers the axis can show, else None."""
    if not isinstance(item, Mapping):
        return None
    values = (item.get("estimate"), item.get("ci_low"), item.get("ci_high"))
    if not all(_finite(v, positive=log) for v in values):
        return None
    estimate, low, high = (float(v) for v in values)
    return estimate, min(low, high), max(low, high)


def _fit(text: str, room: float) -> str:
    """The text cut with an ellipsis to fit `room` pixels at the labels' 11px font."""
    chars = max(int(room / 6.2), 6)
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


class _Scale:
    def __init__(self, values: Sequence[float], *, log: bool, left: float, right: float) -> None:
        self.log = log
        if log:
            self.ticks = log_ticks(min(values), max(values))
        else:
            self.ticks = nice_ticks(min(values), max(values))
        self.low, self.high = self.ticks[0], self.ticks[-1]
        self.left, self.right = left, right

    def _t(self, value: float) -> float:
        return math.log(value) if self.log else value

    def x(self, value: float) -> float:
        span = self._t(self.high) - self._t(self.low)
        share = (self._t(value) - self._t(self.low)) / span if span else 0.5
        return round(self.left + share * (self.right - self.left), 2)


def layout(plot: Mapping[str, Any], *, width: int = WIDTH) -> Plot | None:
    """Positions for every mark of one stored forest plot; None when nothing can be drawn."""
    log = bool(plot.get("log"))
    null = plot.get("null")
    null = float(null) if _finite(null, positive=log) else (1.0 if log else 0.0)
    drawn: list[tuple[Mapping[str, Any], tuple[float, float, float]]] = []
    unplotted: list[str] = []
    for item in plot.get("rows") or []:
        numbers = _interval(item, log=log)
        if numbers:
            drawn.append((item, numbers))
        elif isinstance(item, Mapping):
            unplotted.append(str(item.get("label") or ""))
    pooled_item = plot.get("pooled")
    pooled = _interval(pooled_item, log=log)
    pi = plot.get("pi")
    pi_pair = (
        (float(min(pi)), float(max(pi)))
        if isinstance(pi, list | tuple)
        and len(pi) == 2
        and all(_finite(v, positive=log) for v in pi)
        else None
    )
    if not drawn and not pooled:
        return None
    values = [null]
    for _, (e, lo, hi) in drawn:
        values += [e, lo, hi]
    if pooled:
        values += list(pooled)
    if pi_pair:
        values += list(pi_pair)
    left, right = float(LABEL_WIDTH), float(width - TEXT_WIDTH)
    scale = _Scale(values, log=log, left=left, right=right)

    weights = [
        float(w)
        for item, _ in drawn
        if _finite(w := item.get("weight"), positive=True)  # type: ignore[arg-type]
    ]
    top_weight = max(weights, default=0.0)
    rows = []
    for index, (item, (estimate, low, high)) in enumerate(drawn):
        weight = item.get("weight")
        has_weight = top_weight > 0 and _finite(weight, positive=True)
        share = math.sqrt(float(weight) / top_weight) if has_weight else 0.5
        side = round(SQUARE_MIN + (SQUARE_MAX - SQUARE_MIN) * share, 2)
        y = TOP + ROW_HEIGHT * index + ROW_HEIGHT / 2
        x = scale.x(estimate)
        rows.append(
            Row(
                y=y,
                label=str(item.get("label") or ""),
                text=estimate_text(estimate, low, high),
                weight=f"{float(weight):.1f}%" if has_weight else "",
                x=x,
                x_low=scale.x(low),
                x_high=scale.x(high),
                square=side,
                square_x=round(x - side / 2, 2),
                square_y=round(y - side / 2, 2),
                estimate_text=number(estimate),
                ci_text=ci_text(low, high),
                kind=str(item.get("row_kind") or "study"),
            )
        )
    bottom = TOP + ROW_HEIGHT * len(rows)
    diamond = None
    if pooled:
        estimate, low, high = pooled
        y = bottom + ROW_HEIGHT / 2
        centre, x_low, x_high = scale.x(estimate), scale.x(low), scale.x(high)
        h = DIAMOND_HALF_HEIGHT
        label = pooled_item.get("label") if isinstance(pooled_item, Mapping) else ""
        diamond = Diamond(
            y=y,
            label=str(label or "Pooled"),
            points=f"{x_low},{y} {centre},{y - h} {x_high},{y} {centre},{y + h}",
            text=estimate_text(estimate, low, high),
            estimate_text=number(estimate),
            ci_text=ci_text(low, high),
        )
        bottom += ROW_HEIGHT
    interval = None
    if pi_pair:
        y = bottom + ROW_HEIGHT / 2
        interval = Interval(
            y=y,
            x_low=scale.x(pi_pair[0]),
            x_high=scale.x(pi_pair[1]),
            text=ci_text(*pi_pair),
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
        favours_y=axis_y + 34,
        axis_title_y=axis_y + 52,
        null_x=scale.x(null),
        log=log,
        ticks=tuple(Tick(scale.x(v), number(v)) for v in scale.ticks),
        rows=tuple(rows),
        diamond=diamond,
        pi=interval,
        # Each label gets the room on its side of the null line (about 6px a character).
        favours_left=_fit(str(plot.get("favours_left") or ""), scale.x(null) - 8),
        favours_right=_fit(str(plot.get("favours_right") or ""), width - scale.x(null) - 8),
        unplotted=tuple(unplotted),
    )


# --- Funnel plot --------------------------------------------------------------------------

FUNNEL_WIDTH, FUNNEL_HEIGHT = 420, 300
FUNNEL_LEFT, FUNNEL_RIGHT, FUNNEL_TOP, FUNNEL_BOTTOM = 56, 404, 16, 250


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    estimate_text: str
    se_text: str


@dataclass(frozen=True)
class Funnel:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    points: tuple[Point, ...]
    pooled_x: float | None
    funnel_points: str  # the pseudo 95% confidence region, a triangle; "" without a pooled line
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]  # x is the y position here
    log: bool

    @property
    def centre_x(self) -> float:
        return (self.left + self.right) / 2


def funnel_layout(funnel: Mapping[str, Any], *, log: bool = False) -> Funnel | None:
    """A funnel plot: each study's estimate (x) against its standard error (y, 0 at the top),
    the pooled estimate as a vertical line and the pseudo 95% region around it. On a ratio
    measure the axis is logarithmic and the SE is on the log scale, as grading stores it."""
    raw = [
        p
        for p in funnel.get("points") or []
        if isinstance(p, Mapping)
        and _finite(p.get("estimate"), positive=log)
        and _finite(p.get("se"), positive=True)
    ]
    if not raw:
        return None
    pooled = funnel.get("pooled")
    pooled = float(pooled) if _finite(pooled, positive=log) else None
    se_max = max(float(p["se"]) for p in raw)
    se_ticks = nice_ticks(0.0, se_max, count=4)
    se_top = se_ticks[-1]

    def centre(value: float) -> float:
        return math.log(value) if log else value

    values = [float(p["estimate"]) for p in raw]
    if pooled is not None:
        # The pseudo 95% region at the largest SE, on the scale the estimates are drawn on.
        spread = 1.96 * se_top
        c = centre(pooled)
        ends = (math.exp(c - spread), math.exp(c + spread)) if log else (c - spread, c + spread)
        values += [pooled, *ends]
    scale = _Scale(values, log=log, left=FUNNEL_LEFT, right=FUNNEL_RIGHT)

    def y_of(se: float) -> float:
        return round(FUNNEL_TOP + se / se_top * (FUNNEL_BOTTOM - FUNNEL_TOP), 2)

    points = tuple(
        Point(
            x=scale.x(float(p["estimate"])),
            y=y_of(float(p["se"])),
            label=str(p.get("label") or ""),
            estimate_text=number(float(p["estimate"])),
            se_text=number(float(p["se"])),
        )
        for p in raw
    )
    triangle = ""
    pooled_x = None
    if pooled is not None:
        pooled_x = scale.x(pooled)
        low, high = ends
        triangle = (
            f"{pooled_x},{FUNNEL_TOP} {scale.x(low)},{FUNNEL_BOTTOM} "
            f"{scale.x(high)},{FUNNEL_BOTTOM}"
        )
    return Funnel(
        width=FUNNEL_WIDTH,
        height=FUNNEL_HEIGHT,
        left=FUNNEL_LEFT,
        right=FUNNEL_RIGHT,
        top=FUNNEL_TOP,
        bottom=FUNNEL_BOTTOM,
        points=points,
        pooled_x=pooled_x,
        funnel_points=triangle,
        x_ticks=tuple(Tick(scale.x(v), number(v)) for v in scale.ticks),
        y_ticks=tuple(Tick(y_of(v), number(v)) for v in se_ticks),
        log=log,
    )
