"""What happens to a bad row, line or request in every reader: a one-line error (the default) or,
with --skip-invalid, a skip counted by reason, with the first few described."""

from __future__ import annotations

from collections import Counter
from typing import Optional

from calculator.errors import BadRow, InputError

SHOWN = 5  # skipped rows described in the warnings; the rest are only counted
EXAMPLES_PER_REASON = 20  # skipped rows kept per reason (`batchcalc check` lists them)


class InvalidRows:
    """The policy one read follows (usage and costs may share one, so a reconciliation counts its
    skips once): ``bad`` and ``reject`` raise unless ``skip``, else count by reason."""

    def __init__(self, skip: bool = False, noun: str = "row"):
        self.skip = skip
        self.noun = noun  # "row" (usage), "cost line" (cost reports): how warnings name what was skipped
        self.count = 0
        self.by_reason: Counter = Counter()
        self.examples: dict[str, list[str]] = {}  # reason -> its first skipped rows, described
        self._shown: list[str] = []  # the first skipped rows of any reason, described

    def bad(self, path: str, where: str | None, message: str, reason: str = "invalid row") -> None:
        """Report one bad row: raises InputError unless skipping."""
        text = f"{where}: {message}" if where else message
        if not self.skip:
            hint = " (--skip-invalid skips such rows and counts them)"
            if where and where.startswith("line ") and where[5:].isdigit():
                raise InputError(message + hint, path=path, line=int(where[5:]))
            raise InputError(text + hint, path=path)
        self._skipped(reason, f"{path}: {text}")

    def reject(self, error: InputError, reason: Optional[str] = None) -> None:
        """Report one bad row a reader raised as ``error`` (a ``BadRow`` carries its reason): raised
        again unless skipping, else counted under ``reason`` (default: the error's)."""
        if not self.skip:
            raise error
        self._skipped(reason or (error.reason if isinstance(error, BadRow) else "invalid row"), str(error))

    def _skipped(self, reason: str, described: str) -> None:
        self.count += 1
        self.by_reason[reason] += 1
        if len(self._shown) < SHOWN:
            self._shown.append(described)
        kept = self.examples.setdefault(reason, [])
        if len(kept) < EXAMPLES_PER_REASON:
            kept.append(described)

    def more(self, n: int, reason: str) -> None:
        """Count ``n`` further skipped rows of an already described kind (only when skipping)."""
        if n > 0 and self.skip:
            self.count += n
            self.by_reason[reason] += n

    def warnings(self) -> list[str]:
        if not self.count:
            return []
        reasons = ", ".join(f"{n:,} {r}" for r, n in sorted(self.by_reason.items()))
        out = [f"{self.count:,} invalid {self.noun}(s) skipped (--skip-invalid): {reasons}"]
        out += [f"skipped: {e}" for e in self._shown]
        if self.count > len(self._shown):
            out.append(f"... and {self.count - len(self._shown):,} more skipped {self.noun}(s)")
        return out
