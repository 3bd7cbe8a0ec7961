"""Compactions are not batches: dbt never applies one, but a batch compacted before dbt applied it is read from the
compaction's files, filtered by its offsets; the archive's current files are batches folded with compactions."""

from __future__ import annotations

import json

import pytest
from conftest import FakeArchive, FakeDbt

from archiver_dbt.archive import Archive
from archiver_dbt.compaction import parse_compaction
from archiver_dbt.dbt_runner import DbtProject
from archiver_dbt.manifest import ManifestError
from archiver_dbt.plan import Policy
from archiver_dbt.transform import Transformer


def test_a_compaction_is_never_applied_as_a_batch_and_moves_where_compacted_batches_are_read(
    archive: FakeArchive, dbt_project: str, fake_dbt: FakeDbt
) -> None:
    for b in range(4):
        archive.commit(b, rows=10, files=2)
    new = archive.compact(0, [0, 1, 2])
    t = Transformer(Archive.at(archive.uri), DbtProject(dbt_project), Policy(coalesce_above=10), invoke=fake_dbt)

    t.catch_up()

    assert fake_dbt.batches_run() == [[0], [1], [2], [3]]
    runs = [fake_dbt.vars(i) for i, a in enumerate(fake_dbt.calls) if a[0] != "deps"]
    assert runs[0]["files"] == [str(archive.root / new)]
    assert runs[0]["file_uris"] == [archive.uri + "/" + new]
    assert runs[0]["filter_offsets"] is True
    assert runs[0]["offsets"] == [{"topic": "t", "partition": 0, "start_offset": 0, "end_offset": 10}]
    assert runs[3]["filter_offsets"] is False
    assert runs[3]["files"] == [
        str(archive.root / f"event_date=2026-11-25/part-{3:020d}-{i:05d}.c000.snappy.parquet") for i in range(2)
    ]


def test_current_files_are_the_batches_folded_with_the_compactions(archive: FakeArchive) -> None:
    for b in range(3):
        archive.commit(b, rows=10, files=2)
    a = Archive.at(archive.uri)
    assert len(a.current_file_locations()) == 6
    first = archive.compact(0, [0, 1])
    assert a.current_file_locations() == [
        str(archive.root / f"event_date=2026-11-25/part-{2:020d}-{i:05d}.c000.snappy.parquet") for i in range(2)
    ] + [str(archive.root / first)]
    # A second compaction may replace the first one's file: batch 0 is then read from the newest.
    doc = json.loads((archive.root / "_archiver/compactions" / f"{0:020d}.json").read_text())
    second = {
        **doc,
        "sequence": 1,
        "replaced": doc["files"],
        "files": [{"path": "event_date=2026-11-25/part-compacted-z-00000.c000.snappy.parquet", "rows": 20, "bytes": 9}],
    }
    (archive.root / "_archiver/compactions" / f"{1:020d}.json").write_text(json.dumps(second))
    live = a.live_files()
    assert live is not None
    assert live.holding((f"event_date=2026-11-25/part-{0:020d}-00001.c000.snappy.parquet",)) == (
        ("event_date=2026-11-25/part-compacted-z-00000.c000.snappy.parquet",),
        True,
    )
    assert sum(f.rows for f in live.live.values()) == 30


def test_a_compaction_of_files_no_batch_lists_is_refused(archive: FakeArchive) -> None:
    archive.commit(0)
    archive.compact(0, [0])
    archive.compact(1, [0], name="again")  # replaces batch 0's file a second time
    with pytest.raises(ManifestError, match=r"compaction 1 replaces .* which is not a current file"):
        Archive.at(archive.uri).live_files()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "merge"}, "field 'kind' must be 'compaction'"),
        (
            {"formatVersion": 2},
            "formatVersion 2 is newer than this archiver-dbt reads .compaction manifests up to 1.: upgrade",
        ),
        ({"rows": 3}, "rows must match"),
        ({"replaced": []}, "replaces at least one file"),
    ],
)
def test_bad_compaction_manifests_fail_naming_the_field(
    archive: FakeArchive, change: dict[str, object], message: str
) -> None:
    archive.commit(0)
    archive.compact(0, [0])
    path = archive.root / "_archiver/compactions" / f"{0:020d}.json"
    doc = {**json.loads(path.read_text()), **change}
    with pytest.raises(ManifestError, match=message):
        parse_compaction(json.dumps(doc), str(path))


def test_the_batch_log_ignores_the_compactions(archive: FakeArchive) -> None:
    archive.commit(0)
    archive.compact(0, [0])
    assert Archive.at(archive.uri).committed() == [0]


def test_current_files_after_expire_manifests_removed_the_compacted_batches_manifests(archive: FakeArchive) -> None:
    for b in range(3):
        archive.commit(b, rows=10, files=1)
    new = archive.compact(0, [0, 1])
    for b in (0, 1):  # what archiver expire-manifests does, after writing its summary
        (archive.root / "_archiver/manifests" / f"{b:020d}.json").unlink()
    summary = archive.root / "_archiver/summary"
    summary.mkdir(parents=True)
    (summary / f"{1:020d}.json").write_text("{}")
    locations = Archive.at(archive.uri).current_file_locations()
    assert str(archive.root / new) in locations
    assert len(locations) == 2
