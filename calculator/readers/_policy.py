"""What happens to a bad row: a one-line error (the default) or, with --skip-invalid, a counted skip."""

from __future__ import annotations

from calculator.errors import InputError

SHOWN = 5  # skipped rows described in the warnings; the rest are only counted


class InvalidRows:
    def __init__(self, skip: bool = False, noun: str = "row"):
        self.skip = skip
        self.noun = noun  # "row" (usage), "cost line" (cost reports): how warnings name what was skipped
        self.count = 0
        self.examples: list[str] = []
        self.by_reason: dict[str, int] = {}

    def bad(self, path: str, where: str | None, message: str, reason: str = "invalid row") -> None:
        """Report one bad row: raises InputError unless skipping."""
        text = f"{where}: {message}" if where else message
        if not self.skip:
            hint = " (--skip-invalid skips such rows and counts them)"
            if where and where.startswith("line ") and where[5:].isdigit():
                raise InputError(message + hint, path=path, line=int(where[5:]))
            raise InputError(text + hint, path=path)
        self.count += 1
        self.by_reason[reason] = self.by_reason.get(reason, 0) + 1
        if len(self.examples) < SHOWN:
            self.examples.append(f"{path}: {text}")

    def more(self, n: int, reason: str) -> None:
        """Count ``n`` further skipped rows of an already described kind (only when skipping)."""
        if n > 0 and self.skip:
            self.count += n
            self.by_reason[reason] = self.by_reason.get(reason, 0) + n

    def warnings(self) -> list[str]:
        if not self.count:
            return []
        reasons = ", ".join(f"{n:,} {r}" for r, n in sorted(self.by_reason.items()))
        out = [f"{self.count:,} invalid {self.noun}(s) skipped (--skip-invalid): {reasons}"]
        out += [f"skipped: {e}" for e in self.examples]
        if self.count > len(self.examples):
            out.append(f"... and {self.count - len(self.examples):,} more skipped {self.noun}(s)")
        return out
