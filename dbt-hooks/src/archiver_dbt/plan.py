"""Which batches to transform next, in which groups, and what dbt is told about each group. No I/O here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from archiver_dbt import uris
from archiver_dbt.compaction import LiveFiles
from archiver_dbt.manifest import LatePartition, Manifest


@dataclass(frozen=True)
class Policy:
    coalesce_above: int = 5  # a backlog longer than this goes to dbt in one run instead of one run per batch
    max_coalesced: int = 500  # but no run takes more batches than this, to bound one run's input

    def __post_init__(self) -> None:
        if self.coalesce_above < 1:
            raise ValueError(f"coalesce_above must be >= 1 (1 coalesces any backlog), got {self.coalesce_above}")
        if self.max_coalesced < 2:
            raise ValueError(f"max_coalesced must be >= 2, got {self.max_coalesced}")


def pending(committed: Iterable[int], applied: set[int], up_to: int | None = None) -> list[int]:
    """Committed batches not yet applied, oldest first; up_to (inclusive) stops at the batch a caller announced."""
    return sorted(b for b in set(committed) if b not in applied and (up_to is None or b <= up_to))


def groups(batches: Sequence[int], policy: Policy) -> list[tuple[int, ...]]:
    """One group per dbt run: each batch alone while the backlog is short, else chunks of max_coalesced."""
    if len(batches) <= policy.coalesce_above:
        return [(b,) for b in batches]
    size = policy.max_coalesced
    return [tuple(batches[i : i + size]) for i in range(0, len(batches), size)]


@dataclass(frozen=True)
class Work:
    """What one dbt run transforms: one batch, or several coalesced ones treated as one."""

    manifests: tuple[Manifest, ...]
    # The archive's compactions folded over its batches; None when it was never compacted. A compaction is not new
    # data: it only moves the batches' rows into other files, so it changes which files a batch is read from.
    live: LiveFiles | None = None

    def __post_init__(self) -> None:
        ids = [m.batch_id for m in self.manifests]
        if not ids or ids != sorted(set(ids)):
            raise ValueError(f"a run needs at least one manifest, ascending by batch id, got {ids}")

    @property
    def batch_ids(self) -> tuple[int, ...]:
        return tuple(m.batch_id for m in self.manifests)

    @property
    def num_archived(self) -> int:
        return sum(m.num_archived for m in self.manifests)

    def _holding(self) -> tuple[list[tuple[Manifest, tuple[str, ...]]], bool]:
        if self.live is None:
            return [(m, tuple(f.path for f in m.files)) for m in self.manifests], False
        out, rewritten = [], False
        for m in self.manifests:
            paths, moved = self.live.holding(tuple(f.path for f in m.files))
            out.append((m, paths))
            rewritten = rewritten or moved
        return out, rewritten

    @property
    def files(self) -> tuple[str, ...]:
        """The files holding the batches' rows, as DuckDB opens them; after a compaction, its new files."""
        held, _ = self._holding()
        return tuple(dict.fromkeys(uris.join(uris.normalize(m.archive_root), p) for m, paths in held for p in paths))

    @property
    def file_uris(self) -> tuple[str, ...]:
        held, _ = self._holding()
        return tuple(dict.fromkeys(uris.join(m.archive_root, p) for m, paths in held for p in paths))

    @property
    def filter_offsets(self) -> bool:
        """True when a compaction merged a batch's files with other batches' rows: read them through the offsets."""
        return self._holding()[1]

    def window(self) -> tuple[datetime, datetime] | None:
        """[start, end) covering every archived event time that is not late, in whole seconds (dbt's flag format);
        None if empty. Late events (older than a manifest's lateBefore) are covered by late_windows() instead, so one
        very late event does not stretch this window, and with it a microbatch rebuild, over days."""
        lows = [_on_time_start(m) for m in self.manifests if m.event_time_min is not None]
        highs = [m.event_time_max for m in self.manifests if m.event_time_max is not None]
        if not lows:
            return None
        start = min(lows).replace(microsecond=0)
        return start, max(highs).replace(microsecond=0) + timedelta(seconds=1)

    def late_partitions(self) -> dict[str, int]:
        """Late rows per partition over every manifest of this work, sorted by partition."""
        rows: dict[str, int] = {}
        for m in self.manifests:
            for p in m.late_partitions:
                rows[p.partition] = rows.get(p.partition, 0) + p.rows
        return dict(sorted(rows.items()))

    def late_windows(self) -> list[tuple[datetime, datetime]]:
        """The late partitions' [start, end) windows, adjacent or overlapping ones merged, minus what window()
        already covers; oldest first. Every late event lies in one of them."""
        spans = sorted({p.window() for m in self.manifests for p in m.late_partitions})
        main = self.window()
        merged: list[tuple[datetime, datetime]] = []
        for start, end in spans:
            if main is not None and start >= main[0] and end <= main[1]:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    def offsets(self) -> list[dict[str, Any]]:
        """Per topic-partition, the span of offsets the batches read (batches of one query are contiguous)."""
        spans: dict[tuple[str, int], tuple[int, int]] = {}
        for m in self.manifests:
            for o in m.offsets:
                low, high = spans.get((o.topic, o.partition), (o.start_offset, o.end_offset))
                spans[(o.topic, o.partition)] = (min(low, o.start_offset), max(high, o.end_offset))
        return [
            {"topic": t, "partition": p, "start_offset": s, "end_offset": e} for (t, p), (s, e) in sorted(spans.items())
        ]

    def dbt_vars(self) -> dict[str, Any]:
        window = self.window()
        late = self.late_partitions()
        return {
            "batch_id": self.batch_ids[-1],
            "batch_ids": list(self.batch_ids),
            "coalesced": len(self.manifests) > 1,
            "files": list(self.files),
            "file_uris": list(self.file_uris),
            "filter_offsets": self.filter_offsets,
            "partitions": sorted({p for m in self.manifests for p in m.partitions}),
            "offsets": self.offsets(),
            "num_archived": self.num_archived,
            "event_time_start": window[0].strftime("%Y-%m-%dT%H:%M:%S") if window else None,
            "event_time_end": window[1].strftime("%Y-%m-%dT%H:%M:%S") if window else None,
            "late_rows": sum(late.values()),
            "late_partitions": [
                {"partition": p, "rows": n, "start": _flag(s), "end": _flag(e)}
                for p, n in late.items()
                for s, e in [_late_window(p)]
            ],
            "late_windows": [{"start": _flag(s), "end": _flag(e)} for s, e in self.late_windows()],
        }


def _flag(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def _late_window(partition: str) -> tuple[datetime, datetime]:
    return LatePartition(partition, 1).window()


def _on_time_start(m: Manifest) -> datetime:
    """Where a manifest's events that are not late begin: every event before lateBefore is in a late partition."""
    assert m.event_time_min is not None
    if m.late_partitions and m.late_before is not None and m.late_before > m.event_time_min:
        return min(m.late_before, m.event_time_max or m.late_before)
    return m.event_time_min
