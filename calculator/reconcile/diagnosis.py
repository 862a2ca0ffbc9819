"""Why a reconciled line is outside tolerance: the bill compared with the same usage priced the
wrong-but-plausible ways (each line's ``Expected`` carries them), and billed/expected ratios shared
by every line or every line of a model.

    batch billed at the standard rate       the batch tokens priced at the standard tier
    1-hour cache writes priced as 5-minute  the 1h write tokens at the 5m write rate
    long-context tier missing / misapplied  the tokens priced with the other context tier
    the 1.1x residency multiplier           the tokens priced with the other inference_geo
    a negotiated discount                   one constant billed/expected ratio on every line
                                            (or on every line of a model): --contract removes it
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable, Optional

# The variants of ``Expected``, in the order they are tried.
VARIANTS = ("as_standard", "as_5m", "other_context", "other_geo")
PATTERN_SLACK = Decimal("0.005")  # a pattern matches within 0.5% (or the absolute tolerance)
RATIO_SPREAD = Decimal("0.002")  # ratios within 0.2% of each other count as constant
MIN_RATIO_EXPECTED = Decimal(1)  # lines under $1 are too small to judge a ratio


def _close(a: Decimal, b: Decimal, absolute: Decimal) -> bool:
    return abs(a - b) <= max(absolute, abs(b) * PATTERN_SLACK)


def _common_ratio(ratios: list[Decimal]) -> Optional[Decimal]:
    rs = sorted(ratios)
    if len(rs) < 2:
        return None
    mid = rs[len(rs) // 2]
    if mid <= 0 or (rs[-1] - rs[0]) / mid > RATIO_SPREAD or abs(mid - 1) <= RATIO_SPREAD:
        return None
    return mid.quantize(Decimal("0.0001"))


def ratios(lines: list, models: Iterable[str]) -> tuple[Optional[Decimal], dict[str, Decimal]]:
    """A billed/expected ratio shared by every judgeable line of ``lines`` (matched reconcile
    ``Line``s), or else by every line of one of ``models``."""
    judged = [(l.key["model"], l.billed / l.expected) for l in lines
              if l.expected and l.expected >= MIN_RATIO_EXPECTED]
    constant = _common_ratio([r for _, r in judged])
    per_model = {}
    if constant is None:
        by_model: dict[str, list[Decimal]] = {}
        for model, r in judged:
            by_model.setdefault(model, []).append(r)
        for m in models:
            r = _common_ratio(by_model.get(m, []))
            if r is not None:
                per_model[m] = r
    return constant, per_model


def ratio_warnings(constant: Optional[Decimal], per_model: dict[str, Decimal]) -> list[str]:
    """What a constant ratio suggests, and the contract file that would reconcile it to zero."""
    warnings = []
    if constant is not None:
        pct = (1 - constant) * 100
        warnings.append(
            f"every line is billed at {constant:.4f}x the published rates: a negotiated "
            f"{'discount' if pct > 0 else 'surcharge'} of {abs(pct):.2f}%? Put it in a contract file "
            f"(discount_percent: {pct.normalize():f}) and pass --contract to reconcile it to zero")
    for model, ratio in per_model.items():
        pct = (1 - ratio) * 100
        warnings.append(f"every {model} line is billed at {ratio:.4f}x the published rates: a per-model "
                        f"discount of {pct:.2f}%? (--contract, models: {{{model}: {pct.normalize():f}}})")
    return warnings


def diagnose(line, absolute: Decimal, constant: Optional[Decimal], per_model: dict[str, Decimal]) -> str:
    """The diagnosis of a matched, priced reconcile ``Line`` outside tolerance; ``absolute`` is the
    tolerance's absolute part, the slack of a pattern match."""
    e, b, k = line.exp, line.billed, line.key
    std, as5, octx, ogeo = (e.variant(v) for v in VARIANTS)
    if std is not None and _close(b, std, absolute):
        return (f"batch tokens billed at the standard rate: billed {b / e.amount:.2f}x the batch price "
                f"(the Message Batches 50% discount is missing)")
    if as5 is not None and _close(b, as5, absolute):
        return "1-hour cache writes priced as 5-minute writes (billed at the 5m write rate)"
    if octx is not None and _close(b, octx, absolute):
        if e.contexts == {"long"}:
            return "long-context tier missing: usage over the threshold billed at the ≤200K rates"
        return "long-context rates wrongly applied to usage under the threshold"
    if ogeo is not None and _close(b, ogeo, absolute):
        if e.geos == {"us"}:
            return "the 1.1x data-residency multiplier (inference_geo us) is missing from the bill"
        return "billed with the 1.1x data-residency multiplier, but the usage ran with inference_geo global"
    ratio = b / e.amount if e.amount else None
    if constant is not None and ratio is not None:
        return f"constant ratio {constant} on every line: a negotiated discount of {(1 - constant) * 100:.2f}% (--contract)"
    model = k.get("model")
    if model in per_model:
        r = per_model[model]
        return f"constant ratio {r} on every {model} line: a per-model discount of {(1 - r) * 100:.2f}% (--contract)"
    if line.list_price is not None and _close(line.list_price, e.amount, absolute):
        return "the list price matches the catalogue; the billed amount differs from it (a negotiated price?)"
    if ratio is None:
        return "billed for usage priced at $0"
    direction = "more" if b > e.amount else "less"
    return f"billed {abs(ratio - 1) * 100:.2f}% {direction} than the published rates (no known pattern)"
