"""Which archiver batches a dbt project has already transformed: one JSON line per successful dbt run.

A line is appended only after dbt succeeded, so a batch is done exactly when a line lists it with the query that
committed it: batch ids restart at 0 when an archive is recreated at the same root (a new streaming query), and those
batches are new. A crash between dbt's success and the append re-runs that batch; the models must therefore be
idempotent per batch (the example's are: delete+insert by Kafka coordinates, microbatch replaces whole hours).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from archiver_dbt.storage import Storage

LOG = logging.getLogger(__name__)
OUTCOMES = ("transformed", "empty")


class LedgerError(Exception):
    """The ledger file is damaged; the message says which line to fix or remove."""


@dataclass(frozen=True)
class LedgerEntry:
    batch_ids: tuple[int, ...]
    outcome: str  # transformed: dbt ran; empty: the batches archived no rows, so dbt had nothing to do
    coalesced: bool  # several batches in one dbt run because the backlog was long
    num_archived: int
    applied_at: str
    dbt_command: str | None = None
    seconds: float | None = None
    query_id: str | None = None  # the streaming query that committed the batches; None in lines of older versions
    # A replay (archiver-dbt replay, run-batch --force): the request it served, so a retried request applies each
    # batch once; None for a batch's first application. Replay lines never replace earlier lines: the ledger keeps
    # every application, in order.
    replay: str | None = None

    def __post_init__(self) -> None:
        if not self.batch_ids or any(b < 0 for b in self.batch_ids):
            raise ValueError(f"batch_ids must be non-empty and >= 0, got {self.batch_ids}")
        if list(self.batch_ids) != sorted(set(self.batch_ids)):
            raise ValueError(f"batch_ids must be ascending without repeats, got {self.batch_ids}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got '{self.outcome}'")
        if self.coalesced != (len(self.batch_ids) > 1):
            raise ValueError("coalesced must be true exactly when the entry holds several batches")
        if self.num_archived < 0:
            raise ValueError(f"num_archived must be >= 0, got {self.num_archived}")
        if self.query_id is not None and (not isinstance(self.query_id, str) or not self.query_id):
            raise ValueError("query_id must be a non-empty string or absent")
        if self.replay is not None and (not isinstance(self.replay, str) or not self.replay):
            raise ValueError("replay must be a non-empty request id or absent")

    def applies_to(self, query_id: str | None) -> bool:
        """Whether this line counts for the batches of query_id (lines without a query id count for any)."""
        return query_id is None or self.query_id is None or self.query_id == query_id

    def to_json(self) -> str:
        doc: dict[str, Any] = {
            "batchIds": list(self.batch_ids),
            "outcome": self.outcome,
            "coalesced": self.coalesced,
            "numArchived": self.num_archived,
            "appliedAt": self.applied_at,
        }
        if self.query_id is not None:
            doc["queryId"] = self.query_id
        if self.replay is not None:
            doc["replay"] = self.replay
        if self.dbt_command is not None:
            doc["dbtCommand"] = self.dbt_command
        if self.seconds is not None:
            doc["seconds"] = round(self.seconds, 3)
        return json.dumps(doc, separators=(",", ":"))

    @staticmethod
    def from_json(line: str) -> LedgerEntry:
        doc = json.loads(line)
        if not isinstance(doc, dict):
            raise ValueError("a ledger line must be a JSON object")
        return LedgerEntry(
            batch_ids=tuple(int(b) for b in doc["batchIds"]),
            outcome=doc["outcome"],
            coalesced=bool(doc["coalesced"]),
            num_archived=int(doc["numArchived"]),
            applied_at=str(doc["appliedAt"]),
            dbt_command=doc.get("dbtCommand"),
            seconds=doc.get("seconds"),
            query_id=doc.get("queryId"),
            replay=doc.get("replay"),
        )


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Ledger:
    def __init__(self, storage: Storage, uri: str) -> None:
        self.storage, self.uri = storage, uri

    def entries(self) -> list[LedgerEntry]:
        text = self.storage.read_text(self.uri) or ""
        lines = text.split("\n")
        entries = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entries.append(LedgerEntry.from_json(line))
            except (ValueError, KeyError, TypeError) as e:
                if number == len(lines):  # no newline after it: a write cut short by a crash, never committed
                    LOG.warning("%s: ignoring the torn last line (a crash during a write): %s", self.uri, line[:80])
                    continue
                raise LedgerError(
                    f"{self.uri} line {number} is not a ledger entry ({e}); fix or delete that line"
                ) from e
        return entries

    def last_entry(self) -> LedgerEntry | None:
        """The newest first application, from the ledger's tail only (its cost does not grow with the ledger): first
        applications are appended oldest batch first, so it holds the newest applied batch. Replay lines re-apply older
        batches and are passed over; a torn last line is skipped, as entries() does."""
        size = 1 << 16
        while True:
            tail = self.storage.read_tail(self.uri, size)
            if tail is None:
                return None
            text, whole = tail
            lines = text.split("\n")
            if not whole:
                lines = lines[1:]  # the first line may start mid-line
            for line in reversed(lines):
                if not line.strip():
                    continue
                try:
                    entry = LedgerEntry.from_json(line)
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line
                if entry.replay is None:
                    return entry
            if whole:
                return None
            size *= 4

    def applied(self, query_id: str | None = None) -> set[int]:
        """Batch ids applied for query_id (every query's when None). Only first applications count: those follow
        batch order, so no batch before the newest applied one is pending; replays re-apply applied batches only."""
        firsts = [e for e in self.entries() if e.replay is None and e.applies_to(query_id)]
        return {b for entry in firsts for b in entry.batch_ids}

    def replayed(self, request: str, query_id: str | None = None) -> set[int]:
        """Batch ids a replay request already applied (for query_id): a retried request skips them."""
        return {
            b
            for entry in self.entries()
            if entry.replay == request and entry.applies_to(query_id)
            for b in entry.batch_ids
        }

    def record(self, entry: LedgerEntry) -> None:
        self.storage.append_line(self.uri, entry.to_json())
