from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from conftest import FakeArchive, manifest_doc

from archiver_dbt import uris
from archiver_dbt.archive import Archive
from archiver_dbt.manifest import ManifestError, parse_instant, parse_manifest


def parse(doc: object) -> object:
    return parse_manifest(json.dumps(doc), "m.json")


def test_parses_a_manifest_and_resolves_files_against_the_archive_root():
    m = parse_manifest(json.dumps(manifest_doc(7, "file:/data/archive", rows=10, files=2)), "m.json")
    assert m.batch_id == 7 and m.num_archived == 10 and len(m.files) == 2
    assert m.offsets[0].start_offset == 700 and m.offsets[0].end_offset == 710
    assert (
        m.file_locations()[0]
        == "/data/archive/event_date=2026-11-25/part-00000000000000000007-00000.c000.snappy.parquet"
    )
    assert m.file_uris()[0].startswith("file:/data/archive/event_date=2026-11-25/")
    assert m.event_time_min == datetime(2026, 11, 25, 6, 7, 1, 500000, tzinfo=timezone.utc)
    assert m.event_time_max == datetime(2026, 11, 25, 6, 7, 59, 999999, tzinfo=timezone.utc)


def test_s3a_roots_become_s3_for_duckdb_but_keep_s3a_for_spark():
    m = parse(manifest_doc(1, "s3a://bucket/events", rows=4))
    assert m.file_locations()[0].startswith("s3://bucket/events/event_date=2026-11-25/part-")
    assert m.file_uris()[0].startswith("s3a://bucket/events/event_date=2026-11-25/part-")


def test_reads_unknown_fields_and_the_schema_and_manifests_without_them():
    doc = manifest_doc(2, "file:/a", rows=10)
    old = parse(doc)
    assert old.unknown_fields == () and old.schema is None
    doc["unknownFields"] = {"region": 4, "client": 2}
    doc["schema"] = {"fingerprint": "0123456789abcdef", "ddl": "id STRING,_extra STRING"}
    m = parse(doc)
    assert m.unknown_fields == (("client", 2), ("region", 4))
    assert m.schema is not None and m.schema.ddl == "id STRING,_extra STRING"
    assert m.schema.fingerprint == "0123456789abcdef"


def test_an_empty_batch_has_no_files_and_no_event_time():
    m = parse(manifest_doc(3, "file:/a", rows=0))
    assert m.files == () and m.event_time_min is None and m.event_time_max is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d.update(formatVersion=2),
            "formatVersion 2 is newer than this archiver-dbt reads (batch manifests up to 1): upgrade",
        ),
        (lambda d: d.update(formatVersion=0), "formatVersion 0 is not a version"),
        (lambda d: d.pop("intake"), "missing field 'intake'"),
        (lambda d: d.pop("quarantineFiles"), "missing field 'quarantineFiles'"),
        (lambda d: d.pop("batchId"), "missing field 'batchId'"),
        (lambda d: d.update(numArchived="10"), "field 'numArchived' must be an integer"),
        (lambda d: d.update(numArchived=True), "field 'numArchived' must be an integer"),
        (lambda d: d["files"][0].update(rows=None), "missing field 'files[0].rows'"),
        (lambda d: d["files"][0].update(path="/abs/x.parquet"), "must be relative to its root"),
        (lambda d: d["files"][0].update(path="../x.parquet"), "must be relative to its root"),
        (lambda d: d["offsets"][0].update(endOffset=1), "endOffset 1 is before startOffset 100"),
        (lambda d: d["offsets"][0].update(topic=""), "field 'offsets[0].topic' must be a non-empty string"),
        (lambda d: d.update(numRecords=11), "numRecords 11 != numArchived 10 + numQuarantined 0"),
        (lambda d: d["eventTime"].update(min="yesterday"), "'yesterday' is not an ISO-8601 instant"),
        (lambda d: d["eventTime"].pop("max"), "missing field 'eventTime.max'"),
        (lambda d: d.update(offsets={}), "field 'offsets' must be a list"),
        (lambda d: d.update(partitions=[1]), "partitions must be non-empty strings"),
        (lambda d: d.update(unknownFields={"v2": "3"}), "field 'unknownFields.v2' must be an integer"),
        (lambda d: d.update(unknownFields={"v2": 0}), "unknownFields counts must be > 0"),
        (lambda d: d.update(schema={"fingerprint": "ab"}), "missing field 'schema.ddl'"),
    ],
)
def test_bad_manifests_fail_naming_the_field(change, message):
    doc = manifest_doc(1, "file:/a", rows=10)
    change(doc)
    with pytest.raises(ManifestError, match=r"^m\.json: ") as e:
        parse(doc)
    assert message in str(e.value)


def test_a_damaged_file_says_it_is_not_json():
    with pytest.raises(ManifestError, match=r"m\.json: not JSON"):
        parse_manifest('{"formatVersion": 1, "batch', "m.json")
    with pytest.raises(ManifestError, match="must be a JSON object"):
        parse_manifest("[]", "m.json")


def test_instants_keep_microseconds_of_java_nanoseconds_and_offsets():
    assert parse_instant("2026-11-25T06:47:57.503020043Z") == datetime(2026, 11, 25, 6, 47, 57, 503020, timezone.utc)
    assert parse_instant("2026-11-25T08:00:00+02:00") == datetime(2026, 11, 25, 6, 0, 0, tzinfo=timezone.utc)


def test_manifest_uri_names_its_archive_and_batch(archive: FakeArchive):
    uri = archive.commit(12)
    found, batch_id = Archive.of_manifest(uri)
    assert (found.output, batch_id) == (str(archive.root), 12)
    assert Archive.of_manifest("s3a://b/p/_archiver/manifests/00000000000000000003.json")[0].output == "s3://b/p"
    with pytest.raises(ManifestError, match=r"expected <output>/_archiver/manifests/<batch id, 20 digits>\.json"):
        Archive.of_manifest("/data/archive/manifests/3.json")


def test_a_manifest_whose_name_and_batch_id_disagree_is_refused(archive: FakeArchive):
    (archive.root / "_archiver/manifests/00000000000000000004.json").write_text(
        json.dumps(manifest_doc(5, archive.uri))
    )
    with pytest.raises(ManifestError, match="holds batchId 5, but its name says 4"):
        Archive.at(archive.uri).manifest(4)
    with pytest.raises(ManifestError, match="no such manifest; batch 9 is not committed"):
        Archive.at(archive.uri).manifest(9)


def test_only_manifest_names_count_as_committed(archive: FakeArchive):
    archive.commit(0)
    archive.commit(2)
    (archive.root / "_archiver/manifests/.00000000000000000003.json.tmp").write_text("{")
    assert Archive.at(archive.uri).committed() == [0, 2]
    assert Archive.at(str(archive.root / "missing")).committed() == []


@pytest.mark.parametrize(
    ("uri", "normalized"),
    [
        ("file:/data/a", "/data/a"),
        ("file:///data/a/", "/data/a"),
        ("file://localhost/data/a", "/data/a"),
        ("s3a://bucket/key", "s3://bucket/key"),
        ("s3://bucket/key", "s3://bucket/key"),
        ("memory://x/y", "memory://x/y"),
    ],
)
def test_uris_normalize(uri, normalized):
    assert uris.normalize(uri) == normalized


def test_uris_refuse_what_cannot_be_opened_here():
    with pytest.raises(ValueError, match="another host"):
        uris.normalize("file://otherhost/data")
    with pytest.raises(ValueError, match="empty URI"):
        uris.normalize(" ")
    with pytest.raises(ValueError, match="relative to its root"):
        uris.join("/a", "/b")


def test_late_partitions_and_their_horizon_are_read_with_their_windows():
    doc = manifest_doc(3, "file:/a", late={"event_date=2026-11-20": 2, "event_date=2026-11-19/event_hour=07": 1})
    m = parse_manifest(json.dumps(doc), "m.json")
    assert [(p.partition, p.rows) for p in m.late_partitions] == [
        ("event_date=2026-11-19/event_hour=07", 1),
        ("event_date=2026-11-20", 2),
    ]
    assert m.late_before == datetime(2026, 11, 23, 6, 30, tzinfo=timezone.utc)
    assert m.late_partitions[0].window() == (
        datetime(2026, 11, 19, 7, tzinfo=timezone.utc),
        datetime(2026, 11, 19, 8, tzinfo=timezone.utc),
    )
    assert m.late_partitions[1].window()[1] == datetime(2026, 11, 21, tzinfo=timezone.utc)
    assert parse_manifest(json.dumps(manifest_doc(3, "file:/a")), "m.json").late_partitions == ()


@pytest.mark.parametrize(
    "late, message",
    [
        ({"event_date=2026-11-20": 0}, "must be a positive row count"),
        ({"event_date=2026-11-20": "2"}, "'latePartitions.event_date=2026-11-20' must be an integer"),
        ({"day=20": 2}, "is not event_date=YYYY-MM-DD"),
    ],
)
def test_bad_late_partitions_fail_naming_the_field(late, message):
    doc = manifest_doc(3, "file:/a", late={"event_date=2026-11-20": 1})
    doc["latePartitions"] = late
    with pytest.raises(ManifestError, match=message):
        parse_manifest(json.dumps(doc), "m.json")
    del doc["lateBefore"]
    doc["latePartitions"] = {"event_date=2026-11-20": 1}
    with pytest.raises(ManifestError, match="latePartitions needs lateBefore"):
        parse_manifest(json.dumps(doc), "m.json")
