"""Charts: a report's ``Chart`` data drawn by matplotlib (Agg, no display) as inline SVG.

The report decides what is plotted (``Report.charts``); this module only draws it. Output is
deterministic for a given matplotlib version (fixed hash salt, no date metadata, text kept as
text), so pages can be compared in golden tests. Colours come from a role name so the same
scenario has the same colour in every chart and every report.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from calculator.money import usd
from calculator.report.model import Chart

# One colour per meaning. "now" is what is paid today, "best" the recommended option.
ROLE_COLOURS = {
    "now": "#94a3b8",
    "alt": "#cbd5e1",
    "batch": "#60a5fa",
    "best": "#0f766e",
    "expected": "#2563eb",
    "billed": "#0f172a",
    "flagged": "#dc2626",
    "token:uncached_input": "#1e3a8a",
    "token:cache_write_5m": "#d97706",
    "token:cache_write_1h": "#f59e0b",
    "token:cache_read": "#14b8a6",
    "token:output": "#6366f1",
    "token:web_search": "#a855f7",
    "tier:standard": "#94a3b8",
    "tier:batch": "#0f766e",
    "tier:priority": "#7c3aed",
}
PALETTE = ["#2563eb", "#0f766e", "#f59e0b", "#6366f1", "#dc2626", "#0891b2", "#a855f7", "#64748b"]
INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"


MAX_LABELS = 10  # category labels on an axis, at most (a month of days: every third or fourth)
AXIS_CHARS = 44  # characters of level tick labels that fit side by side under the plot
SLANT_FROM = 8  # characters: longer labels (dates) are slanted, and then MAX_LABELS fit
ANNOTATE_UP_TO = 8  # bars: above this many, values above the bars would overlap (the axis says it)


def thinned(categories: list[str], limit: int = MAX_LABELS) -> list[int]:
    """The indices of the categories to label: all when they fit, else every k-th (the first
    included) so that the labels do not overlap."""
    n = len(categories)
    longest = max((len(c) for c in categories), default=1)
    fit = limit if longest >= SLANT_FROM else max(2, min(limit, AXIS_CHARS // (longest + 2)))
    step = max(1, -(-n // fit))
    return list(range(0, n, step))


def _label_categories(ax, chart: Chart, xs: list) -> None:
    ticks = thinned(chart.categories)
    labels = [chart.categories[i] for i in ticks]
    ax.set_xticks([xs[i] for i in ticks], labels)
    if len(ticks) > 3 and max(len(c) for c in labels) >= SLANT_FROM:
        for label in ax.get_xticklabels():
            label.set_rotation(40)
            label.set_horizontalalignment("right")
            label.set_rotation_mode("anchor")


def colour(role: str, i: int) -> str:
    return ROLE_COLOURS.get(role) or PALETTE[i % len(PALETTE)]


def _num(v) -> float:
    return float(v) if v is not None else 0.0


def _fmt(value: float, unit: str, compact: bool = False) -> str:
    value = float(value)
    if unit == "usd":
        if compact and abs(value) >= 1000:
            k = value / 1000
            return f"${k:,.0f}k" if k == int(k) else f"${k:,.1f}k"
        whole = compact and value == int(value)
        return usd(Decimal(str(value)), 0 if (abs(value) >= 1000 or whole) else 2)
    if unit == "percent":  # fractions, as in every table
        return f"{value * 100:,.0f}%"
    if unit == "seconds":
        return f"{value:,.0f} s"
    if compact and abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.1f}M"
    return f"{value:,.0f}"


def render_svg(chart: Chart) -> str:
    """The chart as an ``<svg>`` element (no XML prolog), scaled by CSS to its container."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    rc = {
        "svg.hashsalt": f"batchcalc-{chart.name}",
        "svg.fonttype": "none",  # text stays text: selectable, sharp, styled by the page's fonts
        "text.parse_math": False,  # "$" in labels is a dollar sign, not mathtext
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
        "font.size": 11.5,
        "axes.edgecolor": GRID,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": MUTED,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.spines.left": False,
    }
    n = len(chart.categories)
    with rc_context(rc):
        k = max(1, len(chart.series))
        height = 3.5 if chart.kind != "hbar" else max(2.0, (0.42 if k == 1 else 0.3 * k + 0.2) * n + 1.1)
        fig = Figure(figsize=(5.6, height), dpi=100, layout="constrained")
        FigureCanvasSVG(fig)
        ax = fig.add_subplot()
        ax.set_axisbelow(True)
        fmt = FuncFormatter(lambda v, _pos: _fmt(v, chart.unit, compact=True))
        if chart.kind == "hbar":
            _hbar(ax, chart, fmt)
        elif chart.kind == "line":
            _line(ax, chart, fmt)
        else:
            _bars(ax, chart, fmt)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Title": chart.title},
                    transparent=True)
    return _inline(buf.getvalue(), chart)


def _bars(ax, chart: Chart, fmt) -> None:
    from matplotlib.ticker import MaxNLocator

    n = len(chart.categories)
    xs = list(range(n))
    stacked = chart.kind == "stacked_bar"
    k = 1 if stacked else max(1, len(chart.series))
    width = 0.62 if k == 1 else 0.8 / k
    bottoms = [0.0] * n
    for si, s in enumerate(chart.series):
        vals = [_num(v) for v in s.values]
        offs = [x if stacked or k == 1 else x - 0.4 + width * (si + 0.5) for x in xs]
        if chart.category_roles and len(chart.series) == 1:
            colours = [colour(r, i) for i, r in enumerate(chart.category_roles)]
        else:
            colours = colour(s.role, si)
        ax.bar(offs, vals, width, bottom=bottoms if stacked else None, color=colours,
               label=s.label, zorder=2, edgecolor="white", linewidth=0.6 if stacked else 0)
        if s.low is not None and s.high is not None:
            for x, v, lo, hi in zip(offs, vals, s.low, s.high):
                if lo is None or hi is None:
                    continue
                ax.errorbar([x], [v], yerr=[[v - _num(lo)], [_num(hi) - v]], fmt="none",
                            ecolor=INK, elinewidth=1.3, capsize=7, capthick=1.3, zorder=3)
        if stacked:
            bottoms = [b + v for b, v in zip(bottoms, vals)]
        elif k == 1 and n <= ANNOTATE_UP_TO:
            # The value above each bar (above the whisker when there is one).
            tops = [max(v, _num(hi)) if s.high and hi is not None else v
                    for v, hi in zip(vals, s.high or [None] * n)]
            ymax = max(tops) if tops else 0
            for x, v, top in zip(offs, vals, tops):
                ax.annotate(_fmt(v, chart.unit), (x, top), xytext=(0, 4), textcoords="offset points",
                            ha="center", va="bottom", fontsize=11.5, fontweight="bold", color=INK)
            ax.set_ylim(0, ymax * 1.16 if ymax else 1)
    if stacked:
        ymax = max(bottoms) if bottoms else 0
        for x, total in zip(xs, bottoms) if n <= ANNOTATE_UP_TO else ():
            ax.annotate(_fmt(total, chart.unit), (x, total), xytext=(0, 4), textcoords="offset points",
                        ha="center", va="bottom", fontsize=11.5, fontweight="bold", color=INK)
        ax.set_ylim(0, ymax * 1.14 if ymax else 1)
    for i in chart.flagged:
        ax.axvspan(i - 0.5, i + 0.5, color=ROLE_COLOURS["flagged"], alpha=0.08, zorder=0)
    _label_categories(ax, chart, xs)
    ax.tick_params(axis="x", length=0)
    ax.tick_params(axis="y", length=0)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6))
    ax.yaxis.set_major_formatter(fmt)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    if len(chart.series) > 1:
        # Below the axis labels, however tall (slanted dates): constrained layout makes room.
        ax.figure.legend(frameon=False, fontsize=10.5, ncols=min(2, len(chart.series)),
                         loc="outside lower center")


def _hbar(ax, chart: Chart, fmt) -> None:
    from matplotlib.ticker import MaxNLocator

    """Horizontal bars, one group per category (long labels such as workload or model names),
    first category on top; several series sit side by side within a group."""
    n, k = len(chart.categories), max(1, len(chart.series))
    height = 0.62 if k == 1 else 0.8 / k
    ys = [n - 1 - i for i in range(n)]
    vmax = 0.0
    for si, s in enumerate(chart.series):
        vals = [_num(v) for v in s.values]
        offs = [y if k == 1 else y + 0.4 - height * (si + 0.5) for y in ys]
        if chart.category_roles and k == 1:
            colours = [colour(r, i) for i, r in enumerate(chart.category_roles)]
        else:
            colours = colour(s.role, si)
        ax.barh(offs, vals, height, color=colours, label=s.label, zorder=2)
        ends = list(vals)
        if s.low is not None and s.high is not None:
            for i, (y, v, lo, hi) in enumerate(zip(offs, vals, s.low, s.high)):
                if lo is None or hi is None:
                    continue
                ax.errorbar([v], [y], xerr=[[v - _num(lo)], [_num(hi) - v]], fmt="none", ecolor=INK,
                            elinewidth=1.2, capsize=4, capthick=1.2, zorder=3)
                ends[i] = max(v, _num(hi))
        for y, v, end in zip(offs, vals, ends):
            ax.annotate(_fmt(v, chart.unit), (end, y), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=10 if k == 1 else 9.5, color=INK)
        vmax = max([vmax, *ends])
    for i in chart.flagged:
        ax.axhspan(ys[i] - 0.5, ys[i] + 0.5, color=ROLE_COLOURS["flagged"], alpha=0.08, zorder=0)
    ax.set_xlim(0, vmax * 1.25 if vmax else 1)
    ax.set_yticks(ys, chart.categories)
    ax.set_ylim(-0.6, n - 0.4)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.xaxis.set_major_formatter(fmt)
    ax.tick_params(length=0)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    if k > 1:
        ax.legend(frameon=False, fontsize=10.5, ncols=k, loc="upper center", bbox_to_anchor=(0.5, -0.08))


def _line(ax, chart: Chart, fmt) -> None:
    xs = list(range(len(chart.categories)))
    for si, s in enumerate(chart.series):
        ax.plot(xs, [_num(v) for v in s.values], color=colour(s.role, si), label=s.label,
                linewidth=2, marker="o", markersize=3.5, zorder=2)
    if chart.flagged and chart.series:
        ref = chart.series[-1]
        ax.scatter([xs[i] for i in chart.flagged], [_num(ref.values[i]) for i in chart.flagged],
                   s=80, facecolors="none", edgecolors=ROLE_COLOURS["flagged"], linewidths=2,
                   zorder=3, label="outside tolerance")
    _label_categories(ax, chart, xs)
    ax.yaxis.set_major_formatter(fmt)
    ax.tick_params(length=0)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.figure.legend(frameon=False, fontsize=9.5, loc="outside lower center",
                     ncols=min(4, len(chart.series) + 1))


_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.S)
_SIZE = re.compile(r'<svg([^>]*?)\swidth="[^"]*"\sheight="[^"]*"')


def _inline(svg: str, chart: Chart) -> str:
    from markupsafe import escape

    svg = _PROLOG.sub("", svg, count=1)
    # Let CSS size it (the viewBox keeps the aspect ratio); label it for screen readers.
    label = str(escape(chart.title))
    svg = _SIZE.sub(lambda m: f'<svg{m.group(1)} class="chart-svg" role="img" aria-label="{label}" '
                              f'preserveAspectRatio="xMidYMid meet"', svg, count=1)
    return svg.strip()
