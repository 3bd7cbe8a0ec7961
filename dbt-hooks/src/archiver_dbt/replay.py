"""Which batches a replay request names: a range of batch ids, or every batch committed since an instant. No I/O."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from archiver_dbt.manifest import parse_instant

_RANGE = re.compile(r"^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$")
RANGE_FORM = "A..B (inclusive, e.g. 120..130), a single id, or several separated by commas (120..125,130)"


def parse_batches(text: str) -> tuple[int, ...]:
    """'120..130', '7' or '1..3,9' as ascending, distinct batch ids."""
    ids: set[int] = set()
    for part in (text or "").split(","):
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(f"--batches {text!r}: expected {RANGE_FORM}")
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if high < low:
            raise ValueError(f"--batches {text!r}: {low}..{high} is empty; write the lower id first")
        if high - low >= 1_000_000:
            raise ValueError(f"--batches {text!r}: more than a million batches in one range; narrow it")
        ids.update(range(low, high + 1))
    return tuple(sorted(ids))


def parse_since(text: str) -> datetime:
    """An instant such as 2026-11-20T00:00Z (seconds optional), or a date (midnight UTC)."""
    value = (text or "").strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value += "T00:00:00Z"
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})", value):
        value = value[:16] + ":00" + value[16:]
    try:
        return parse_instant(value)
    except ValueError:
        raise ValueError(
            f"--since {text!r}: expected an instant like 2026-11-20T00:00Z or 2026-11-20T00:00:00+01:00, or a date"
        ) from None


@dataclass(frozen=True)
class Selection:
    """The batches of one replay request: either batch_ids or since, never both."""

    batch_ids: tuple[int, ...] = ()
    since: datetime | None = None

    def __post_init__(self) -> None:
        if bool(self.batch_ids) == (self.since is not None):
            raise ValueError("a replay names its batches with exactly one of --batches or --since")

    def choose(self, committed: Sequence[int], committed_at: Callable[[int], datetime]) -> tuple[int, ...]:
        """The committed batches selected; a named batch that is not committed is an error naming it."""
        if self.since is not None:
            # Batches commit in order, so committedAt grows with the batch id: read manifests from the newest back
            # to the first one older than since, not the whole log.
            chosen: list[int] = []
            for b in sorted(committed, reverse=True):
                if committed_at(b) < self.since:
                    break
                chosen.append(b)
            return tuple(reversed(chosen))
        missing = sorted(set(self.batch_ids) - set(committed))
        if missing:
            shown = ", ".join(str(b) for b in missing[:10]) + (" ..." if len(missing) > 10 else "")
            raise ValueError(
                f"batch(es) {shown} are not committed; replay only committed batches (committed: {_span(committed)})"
            )
        return self.batch_ids


def _span(ids: Sequence[int]) -> str:
    return f"{min(ids)}..{max(ids)}" if ids else "none"
