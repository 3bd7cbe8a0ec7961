"""The archiver's commit manifest (format 1): which files and Kafka offsets one committed batch holds.

The contract is manifest-schema/batch-manifest.schema.json (README "Commit manifests"); tests validate the golden
files there and what to_doc() writes against it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from archiver_dbt import uris

FORMAT_VERSION = 1
_INSTANT = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$")


class ManifestError(ValueError):
    """A manifest that cannot be trusted; the message names the manifest and the field to fix."""


def check_format_version(version: int, known: int, what: str) -> None:
    """The rule of every archiver reader: versions up to the one it knows are read, a newer one is refused."""
    if version < 1:
        raise ValueError(f"formatVersion {version} is not a version (they start at 1)")
    if version > known:
        raise ValueError(
            f"formatVersion {version} is newer than this archiver-dbt reads ({what} up to {known}): "
            "upgrade archiver-dbt"
        )


def format_instant(value: datetime) -> str:
    """As Java's Instant writes it: UTC, Z, the fraction only when there is one."""
    text = value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{value.microsecond:06d}Z" if value.microsecond else f"{text}Z"


def parse_instant(text: str) -> datetime:
    """ISO-8601 instants as Java writes them (up to nanoseconds, Z or an offset); Python keeps microseconds."""
    match = _INSTANT.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"'{text}' is not an ISO-8601 instant like 2026-11-25T06:47:46.1Z")
    fraction = (match.group(2) or "").ljust(6, "0")[:6]
    zone = "+00:00" if match.group(3) == "Z" else match.group(3)
    return datetime.fromisoformat(f"{match.group(1)}.{fraction}{zone}").astimezone(timezone.utc)


@dataclass(frozen=True)
class OffsetRange:
    topic: str
    partition: int
    start_offset: int
    end_offset: int  # exclusive, as in Spark's Kafka source

    def __post_init__(self) -> None:
        if not self.topic:
            raise ValueError("topic must not be empty")
        if self.partition < 0 or self.start_offset < 0:
            raise ValueError(f"{self.topic}-{self.partition}: partition and startOffset must be >= 0")
        if self.end_offset < self.start_offset:
            raise ValueError(
                f"{self.topic}-{self.partition}: endOffset {self.end_offset} is before startOffset {self.start_offset}"
            )


@dataclass(frozen=True)
class OffsetReset:
    """A partition whose offsets went backwards before the batch (topic recreated or truncated)."""

    topic: str
    partition: int
    from_offset: int  # where the previous batch ended
    to_offset: int  # where the topic ends now; offsets [0, to_offset) of the new topic were skipped

    def __post_init__(self) -> None:
        if not self.topic:
            raise ValueError("topic must not be empty")
        if min(self.partition, self.to_offset) < 0 or self.to_offset >= self.from_offset:
            raise ValueError(
                f"{self.topic}-{self.partition}: offsets did not go back ({self.from_offset} -> {self.to_offset})"
            )


@dataclass(frozen=True)
class DataFile:
    path: str  # relative to its root
    rows: int
    size_bytes: int

    def __post_init__(self) -> None:
        if not self.path or self.path.startswith("/") or ".." in self.path.split("/"):
            raise ValueError(f"path '{self.path}' must be relative to its root, without '..'")
        if self.rows < 0 or self.size_bytes < 0:
            raise ValueError(f"{self.path}: rows and bytes must be >= 0")


_PARTITION = re.compile(r"^event_date=(\d{4}-\d{2}-\d{2})(?:/event_hour=(\d{2}))?$")


@dataclass(frozen=True)
class LatePartition:
    """An archive partition a batch wrote late events to (older than its lateBefore), and how many."""

    partition: str  # event_date=2026-11-20, or event_date=2026-11-20/event_hour=07
    rows: int

    def __post_init__(self) -> None:
        if self.rows <= 0:
            raise ValueError(f"latePartitions.{self.partition} must be a positive row count, got {self.rows}")
        self.window()  # fails on a partition name that is not a date (or date and hour)

    def window(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: the day, or the hour with partition-by-hour, that the partition holds."""
        match = _PARTITION.match(self.partition)
        if match is None:
            raise ValueError(f"latePartitions key '{self.partition}' is not event_date=YYYY-MM-DD[/event_hour=HH]")
        day = datetime.fromisoformat(match.group(1)).replace(tzinfo=timezone.utc)
        if match.group(2) is None:
            return day, day + timedelta(days=1)
        start = day + timedelta(hours=int(match.group(2)))
        return start, start + timedelta(hours=1)


@dataclass(frozen=True)
class ArchiveSchema:
    """The columns a batch's files have: Spark DDL of the data columns (lineage and partitions left out)."""

    fingerprint: str
    ddl: str

    def __post_init__(self) -> None:
        if not self.fingerprint or not self.ddl:
            raise ValueError("schema needs a fingerprint and a ddl")


@dataclass(frozen=True)
class Manifest:
    batch_id: int
    query_id: str
    committed_at: str
    archive_root: str  # as written: a Hadoop URI (file:/..., s3a://...)
    quarantine_root: str
    offsets: tuple[OffsetRange, ...]
    num_records: int
    num_archived: int
    num_quarantined: int
    files: tuple[DataFile, ...]
    quarantine_files: tuple[DataFile, ...]
    event_time_min: datetime | None
    event_time_max: datetime | None
    partitions: tuple[str, ...]
    # Fields the schema does not declare, (name, records) sorted by name; empty when none (or an older archiver).
    unknown_fields: tuple[tuple[str, int], ...] = ()
    schema: ArchiveSchema | None = None  # None in manifests of archivers before schemas were recorded
    # With the archiver's output.late-after: partitions that got events older than late_before, and how many.
    late_partitions: tuple[LatePartition, ...] = ()
    late_before: datetime | None = None
    # The back-pressure decision that sized the batch (maxRecordsPerBatch, policy, reason), (key, value) sorted.
    intake: tuple[tuple[str, str], ...] = ()
    # Only with source.fail-on-data-loss: false: ranges Kafka deleted before the batch read them, and partitions
    # whose offsets went backwards (lost_records() sums them); the archiver's status reports them.
    data_loss: tuple[OffsetRange, ...] = ()
    offset_resets: tuple[OffsetReset, ...] = ()
    writer_epoch: int | None = None  # None in manifests of archivers before the writer lease
    # The archive's running totals through this batch; None in manifests of archivers before they were recorded.
    totals: Totals | None = None

    def __post_init__(self) -> None:
        if any(count <= 0 for _, count in self.unknown_fields):
            raise ValueError(f"unknownFields counts must be > 0, got {dict(self.unknown_fields)}")
        if self.late_partitions and self.late_before is None:
            raise ValueError("latePartitions needs lateBefore, the horizon they were measured against")
        if self.batch_id < 0:
            raise ValueError(f"batchId must be >= 0, got {self.batch_id}")
        if (
            min(self.num_archived, self.num_quarantined) < 0
            or self.num_records != self.num_archived + self.num_quarantined
        ):
            raise ValueError(
                f"numRecords {self.num_records} != numArchived {self.num_archived} + numQuarantined "
                f"{self.num_quarantined} (or a count is negative)"
            )
        if (self.event_time_min is None) != (self.event_time_max is None):
            raise ValueError("eventTime needs both min and max")
        if self.event_time_min and self.event_time_max and self.event_time_min > self.event_time_max:
            raise ValueError(f"eventTime.min {self.event_time_min} is after eventTime.max {self.event_time_max}")

    def lost_records(self) -> int:
        """Records Kafka deleted before this batch read them, plus offsets skipped after a reset."""
        return sum(r.end_offset - r.start_offset for r in self.data_loss) + sum(r.to_offset for r in self.offset_resets)

    def to_doc(self) -> dict[str, Any]:
        """The manifest as the archiver writes it (fields in its order, empty optional fields left out)."""
        doc: dict[str, Any] = {
            "formatVersion": FORMAT_VERSION,
            "batchId": self.batch_id,
            "queryId": self.query_id,
            "committedAt": self.committed_at,
            "archiveRoot": self.archive_root,
            "quarantineRoot": self.quarantine_root,
            "offsets": [_offset_doc(o) for o in self.offsets],
            "numRecords": self.num_records,
            "numArchived": self.num_archived,
            "numQuarantined": self.num_quarantined,
            "files": [_file_doc(f) for f in self.files],
            "quarantineFiles": [_file_doc(f) for f in self.quarantine_files],
        }
        if self.event_time_min is not None and self.event_time_max is not None:
            doc["eventTime"] = {"min": format_instant(self.event_time_min), "max": format_instant(self.event_time_max)}
        doc["partitions"] = list(self.partitions)
        doc["intake"] = dict(self.intake)
        if self.data_loss:
            doc["dataLoss"] = [_offset_doc(o) for o in self.data_loss]
        if self.offset_resets:
            doc["offsetResets"] = [
                {"topic": r.topic, "partition": r.partition, "fromOffset": r.from_offset, "toOffset": r.to_offset}
                for r in self.offset_resets
            ]
        if self.writer_epoch is not None:
            doc["writerEpoch"] = self.writer_epoch
        if self.unknown_fields:
            doc["unknownFields"] = dict(self.unknown_fields)
        if self.schema is not None:
            doc["schema"] = {"fingerprint": self.schema.fingerprint, "ddl": self.schema.ddl}
        if self.late_partitions:
            doc["latePartitions"] = {p.partition: p.rows for p in self.late_partitions}
        if self.late_before is not None:
            doc["lateBefore"] = format_instant(self.late_before)
        if self.totals is not None:
            doc["totals"] = self.totals.to_doc()
        return doc

    def file_uris(self) -> tuple[str, ...]:
        """Each archived file as a Hadoop URI, exactly as the engine that wrote it names it."""
        return tuple(uris.join(self.archive_root, f.path) for f in self.files)

    def file_locations(self) -> tuple[str, ...]:
        """Each archived file as an absolute local path or s3:// URI, the form DuckDB and fsspec open."""
        root = uris.normalize(self.archive_root)
        return tuple(uris.join(root, f.path) for f in self.files)


_TOTAL_COUNTS = (
    "batches",
    "records",
    "archived",
    "quarantined",
    "files",
    "bytes",
    "quarantineFiles",
    "lostRecords",
    "lateRecords",
    "lateBatches",
)


@dataclass(frozen=True)
class Totals:
    """The archive's running totals through a batch (README "The log's growth"): counts by their JSON names, the
    per-name maps as sorted (name, count) pairs, and the batches that recorded data loss."""

    counts: tuple[tuple[str, int], ...]
    late_partitions: tuple[tuple[str, int], ...] = ()
    unknown_fields: tuple[tuple[str, int], ...] = ()
    committed_offsets: tuple[tuple[str, int], ...] = ()
    data_loss_batches: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if [k for k, _ in self.counts] != list(_TOTAL_COUNTS):
            raise ValueError(f"totals need exactly the counts {', '.join(_TOTAL_COUNTS)}")
        if any(v < 0 for _, v in self.counts):
            raise ValueError(f"totals must be >= 0, got {dict(self.counts)}")
        c = dict(self.counts)
        if c["records"] != c["archived"] + c["quarantined"]:
            raise ValueError(
                f"totals.records {c['records']} != archived {c['archived']} + quarantined {c['quarantined']}"
            )

    def count(self, name: str) -> int:
        return dict(self.counts)[name]

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = dict(self.counts)
        if self.late_partitions:
            doc["latePartitions"] = dict(self.late_partitions)
        if self.unknown_fields:
            doc["unknownFields"] = dict(self.unknown_fields)
        doc["committedOffsets"] = dict(self.committed_offsets)
        if self.data_loss_batches:
            doc["dataLossBatches"] = list(self.data_loss_batches)
        return doc


def _totals(t: _Fields | None) -> Totals | None:
    if t is None:
        return None
    return Totals(
        counts=tuple((k, t.integer(k)) for k in _TOTAL_COUNTS),
        late_partitions=_counts(t, "latePartitions"),
        unknown_fields=_counts(t, "unknownFields"),
        committed_offsets=_counts(t, "committedOffsets"),
        data_loss_batches=tuple(_batch_id(b) for b in t.array("dataLossBatches", required=False)),
    )


def _batch_id(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"field 'totals.dataLossBatches' must hold batch ids (integers >= 0), got {value!r}")
    return value


def parse_manifest(text: str, source: str) -> Manifest:
    """Parses and validates; source (the manifest's URI) prefixes every error."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ManifestError(f"{source}: not JSON ({e}); a manifest is written whole, so this file is damaged") from e
    try:
        return _manifest(_Fields(doc, ""))
    except (ValueError, TypeError) as e:
        raise ManifestError(f"{source}: {e}") from e


class _Fields:
    """Typed access to one JSON object, with the field's path in every error."""

    def __init__(self, doc: Any, where: str) -> None:
        if not isinstance(doc, dict):
            raise ValueError(f"{where or 'the manifest'} must be a JSON object")
        self._doc, self._where = doc, where

    def _get(self, key: str, required: bool = True) -> Any:
        if key not in self._doc or self._doc[key] is None:
            if required:
                raise ValueError(f"missing field '{self._where}{key}'")
            return None
        return self._doc[key]

    def integer(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"field '{self._where}{key}' must be an integer, got {value!r}")
        return value

    def string(self, key: str, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"field '{self._where}{key}' must be a non-empty string, got {value!r}")
        return value

    def array(self, key: str, required: bool = True) -> list[Any]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ValueError(f"field '{self._where}{key}' must be a list, got {value!r}")
        return value

    def optional_integer(self, key: str) -> int | None:
        return None if self._get(key, required=False) is None else self.integer(key)

    def object(self, key: str, required: bool = False) -> _Fields | None:
        value = self._get(key, required)
        return None if value is None else _Fields(value, f"{self._where}{key}.")

    def keys(self) -> list[str]:
        return list(self._doc)

    def mapping(self, key: str) -> dict[str, Any]:
        value = self._get(key, required=False)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError(f"field '{self._where}{key}' must be an object, got {value!r}")
        return value

    def each(self, key: str, required: bool = True) -> list[_Fields]:
        return [_Fields(v, f"{self._where}{key}[{i}].") for i, v in enumerate(self.array(key, required))]


def _manifest(m: _Fields) -> Manifest:
    check_format_version(m.integer("formatVersion"), FORMAT_VERSION, "batch manifests")
    event_time = m.object("eventTime")
    return Manifest(
        batch_id=m.integer("batchId"),
        query_id=m.string("queryId") or "",
        committed_at=m.string("committedAt") or "",
        archive_root=m.string("archiveRoot") or "",
        quarantine_root=m.string("quarantineRoot") or "",
        offsets=tuple(_offset(o) for o in m.each("offsets")),
        num_records=m.integer("numRecords"),
        num_archived=m.integer("numArchived"),
        num_quarantined=m.integer("numQuarantined"),
        files=tuple(_file(f) for f in m.each("files")),
        quarantine_files=tuple(_file(f) for f in m.each("quarantineFiles")),
        event_time_min=_instant(event_time, "min"),
        event_time_max=_instant(event_time, "max"),
        partitions=tuple(_partition(p) for p in m.array("partitions")),
        unknown_fields=_counts(m, "unknownFields"),
        schema=_schema(m.object("schema")),
        late_partitions=tuple(_late(k, v) for k, v in sorted(m.mapping("latePartitions").items())),
        late_before=_optional_instant(m.string("lateBefore", required=False)),
        intake=_intake(m),
        data_loss=tuple(_offset(o) for o in m.each("dataLoss", required=False)),
        offset_resets=tuple(_reset(r) for r in m.each("offsetResets", required=False)),
        writer_epoch=m.optional_integer("writerEpoch"),
        totals=_totals(m.object("totals")),
    )


def _intake(m: _Fields) -> tuple[tuple[str, str], ...]:
    intake = m.object("intake", required=True)
    assert intake is not None
    return tuple((key, intake.string(key) or "") for key in sorted(intake.keys()))


def _reset(r: _Fields) -> OffsetReset:
    return OffsetReset(r.string("topic") or "", r.integer("partition"), r.integer("fromOffset"), r.integer("toOffset"))


def _offset_doc(o: OffsetRange) -> dict[str, Any]:
    return {"topic": o.topic, "partition": o.partition, "startOffset": o.start_offset, "endOffset": o.end_offset}


def _file_doc(f: DataFile) -> dict[str, Any]:
    return {"path": f.path, "rows": f.rows, "bytes": f.size_bytes}


def _counts(m: _Fields, key: str) -> tuple[tuple[str, int], ...]:
    counts = m.object(key)
    if counts is None:
        return ()
    return tuple((name, counts.integer(name)) for name in sorted(counts.keys()))


def _schema(s: _Fields | None) -> ArchiveSchema | None:
    if s is None:
        return None
    return ArchiveSchema(s.string("fingerprint") or "", s.string("ddl") or "")


def _offset(o: _Fields) -> OffsetRange:
    return OffsetRange(
        o.string("topic") or "", o.integer("partition"), o.integer("startOffset"), o.integer("endOffset")
    )


def _file(f: _Fields) -> DataFile:
    return DataFile(f.string("path") or "", f.integer("rows"), f.integer("bytes"))


def _instant(event_time: _Fields | None, key: str) -> datetime | None:
    if event_time is None:
        return None
    return parse_instant(event_time.string(key) or "")


def _late(partition: str, rows: Any) -> LatePartition:
    if isinstance(rows, bool) or not isinstance(rows, int):
        raise ValueError(f"field 'latePartitions.{partition}' must be an integer, got {rows!r}")
    return LatePartition(partition, rows)


def _optional_instant(text: str | None) -> datetime | None:
    return None if text is None else parse_instant(text)


def _partition(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"partitions must be non-empty strings, got {value!r}")
    return value
