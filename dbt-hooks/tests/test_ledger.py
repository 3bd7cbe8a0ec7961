from __future__ import annotations

from pathlib import Path

import pytest

from archiver_dbt.ledger import Ledger, LedgerEntry, LedgerError
from archiver_dbt.storage import FsspecStorage, LocalStorage


def entry(*batch_ids: int, outcome: str = "transformed") -> LedgerEntry:
    return LedgerEntry(tuple(batch_ids), outcome, len(batch_ids) > 1, 10, "2026-11-25T06:00:00.000Z", "build", 1.5)


def test_entries_round_trip(tmp_path: Path):
    ledger = Ledger(LocalStorage(), str(tmp_path / "l" / "ledger.jsonl"))
    assert ledger.entries() == [] and ledger.applied() == set()
    ledger.record(entry(0))
    ledger.record(entry(1, 2, 3))
    assert ledger.entries() == [entry(0), entry(1, 2, 3)]
    assert ledger.applied() == {0, 1, 2, 3}


def test_a_batch_counts_as_applied_for_the_query_that_committed_it(tmp_path: Path):
    ledger = Ledger(LocalStorage(), str(tmp_path / "ledger.jsonl"))
    ledger.record(LedgerEntry((0, 1), "transformed", True, 10, "t", query_id="query-a"))
    assert ledger.entries()[0].query_id == "query-a"
    assert '"queryId":"query-a"' in (tmp_path / "ledger.jsonl").read_text()
    assert ledger.applied("query-a") == {0, 1}
    assert ledger.applied("query-b") == set(), "a new query's batch 0 is another batch"
    # Lines written before entries carried a query id count for any query, as they did then.
    ledger.record(LedgerEntry((2,), "transformed", False, 10, "t"))
    assert ledger.applied("query-b") == {2}


def test_a_torn_last_line_is_ignored_and_cut_off_by_the_next_append(tmp_path: Path):
    path = tmp_path / "ledger.jsonl"
    ledger = Ledger(LocalStorage(), str(path))
    ledger.record(entry(0))
    with path.open("a") as f:
        f.write('{"batchIds":[1],"outco')  # a crash mid-write
    assert ledger.applied() == {0}
    ledger.record(entry(1))
    assert ledger.entries() == [entry(0), entry(1)]
    assert path.read_text().count("\n") == 2


def test_a_damaged_line_in_the_middle_names_the_line(tmp_path: Path):
    path = tmp_path / "ledger.jsonl"
    path.write_text(entry(0).to_json() + "\nnot json\n" + entry(1).to_json() + "\n")
    with pytest.raises(LedgerError, match=r"ledger.jsonl line 2 is not a ledger entry .*fix or delete that line"):
        Ledger(LocalStorage(), str(path)).entries()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_ids": ()}, "batch_ids must be non-empty"),
        ({"batch_ids": (2, 1), "coalesced": True}, "ascending without repeats"),
        ({"outcome": "done"}, "outcome must be one of"),
        ({"batch_ids": (1, 2), "coalesced": False}, "coalesced must be true exactly when"),
        ({"num_archived": -1}, "num_archived must be >= 0"),
        ({"query_id": ""}, "query_id must be a non-empty string"),
    ],
)
def test_entries_validate_on_construction(kwargs, message):
    fields = {"batch_ids": (1,), "outcome": "transformed", "coalesced": False, "num_archived": 1, "applied_at": "x"}
    with pytest.raises(ValueError, match=message):
        LedgerEntry(**{**fields, **kwargs})


def test_remote_ledgers_are_rewritten_whole_through_fsspec():
    pytest.importorskip("fsspec")
    uri = "memory://archive/_archiver/dbt-ledgers/p.default.jsonl"
    ledger = Ledger(FsspecStorage(uri), uri)
    ledger.record(entry(0))
    ledger.record(entry(1))
    assert ledger.applied() == {0, 1}
    assert FsspecStorage(uri).list_names("memory://archive/_archiver/dbt-ledgers") == ["p.default.jsonl"]


def test_the_last_entry_comes_from_the_tail_of_a_long_ledger(tmp_path):

    uri = str(tmp_path / "ledger.jsonl")
    ledger = Ledger(LocalStorage(), uri)
    assert ledger.last_entry() is None
    for b in range(2000):  # ~200 KB: more than one tail read
        ledger.record(LedgerEntry((b,), "transformed", False, 10, "2026-11-25T06:00:00.000Z", query_id="q"))
    with open(uri, "a") as f:
        f.write('{"batchIds": [2000], "outc')  # a write cut short by a crash
    last = ledger.last_entry()
    assert last is not None and last.batch_ids == (1999,)
    assert max(ledger.applied()) == 1999
