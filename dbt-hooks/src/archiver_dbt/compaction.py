"""The archiver's compaction manifests (format 1), under <output>/_archiver/compactions/<sequence:20>.json.

A compaction replaces some archive files by new ones holding exactly the same rows. It is not new data: dbt never
applies it as a batch. It changes which files hold a batch's rows, so the files to read for a batch, and the archive's
current files, are the batch manifests' files folded with the compactions in sequence order (LiveFiles).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from archiver_dbt import layout, uris
from archiver_dbt.manifest import (
    DataFile,
    ManifestError,
    _Fields,
    _file,
    _file_doc,
    _partition,
    check_format_version,
    parse_instant,
)

FORMAT_VERSION = 1
KIND = "compaction"


@dataclass(frozen=True)
class Compaction:
    sequence: int
    committed_at: str
    archive_root: str
    after_batch_id: int
    partitions: tuple[str, ...]
    replaced: tuple[DataFile, ...]
    files: tuple[DataFile, ...]
    rows: int

    def __post_init__(self) -> None:
        if self.sequence < 0:
            raise ValueError(f"sequence must be >= 0, got {self.sequence}")
        if not self.replaced or not self.files:
            raise ValueError("a compaction replaces at least one file with at least one")
        rows_in = sum(f.rows for f in self.replaced)
        rows_out = sum(f.rows for f in self.files)
        if rows_in != self.rows or rows_out != self.rows:
            raise ValueError(f"rows {self.rows}, replaced files hold {rows_in}, new files {rows_out}: rows must match")

    def to_doc(self) -> dict[str, Any]:
        """The compaction manifest as the archiver writes it."""
        return {
            "formatVersion": FORMAT_VERSION,
            "kind": KIND,
            "sequence": self.sequence,
            "committedAt": self.committed_at,
            "archiveRoot": self.archive_root,
            "afterBatchId": self.after_batch_id,
            "partitions": list(self.partitions),
            "replaced": [_file_doc(f) for f in self.replaced],
            "files": [_file_doc(f) for f in self.files],
            "rows": self.rows,
        }


def parse_compaction(text: str, source: str) -> Compaction:
    """Parses and validates; source (the file's URI) prefixes every error."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ManifestError(f"{source}: not JSON ({e}); a compaction manifest is written whole: it is damaged") from e
    try:
        c = _Fields(doc, "")
        check_format_version(c.integer("formatVersion"), FORMAT_VERSION, "compaction manifests")
        if c.string("kind") != KIND:
            raise ValueError(f"field 'kind' must be '{KIND}'")
        parse_instant(c.string("committedAt") or "")
        return Compaction(
            sequence=c.integer("sequence"),
            committed_at=c.string("committedAt") or "",
            archive_root=c.string("archiveRoot") or "",
            after_batch_id=c.integer("afterBatchId"),
            partitions=tuple(_partition(p) for p in c.array("partitions")),
            replaced=tuple(_file(f) for f in c.each("replaced")),
            files=tuple(_file(f) for f in c.each("files")),
            rows=c.integer("rows"),
        )
    except (ValueError, TypeError) as e:
        raise ManifestError(f"{source}: {e}") from e


@dataclass
class LiveFiles:
    """Archive files by relative path: the batches' files, each compaction's replaced ones swapped for its new ones."""

    live: dict[str, DataFile] = field(default_factory=dict)
    # replaced path -> the paths of the compaction's new files that hold its rows now
    successors: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @staticmethod
    def of(
        batch_files: list[tuple[DataFile, ...]], compactions: list[Compaction], every_batch: bool = True
    ) -> LiveFiles:
        """every_batch=False: batch_files are some batches' only (catch-up's pending ones), so a compaction may replace
        a file none of them lists; the files holding the given batches' rows come out the same."""
        out = LiveFiles()
        for files in batch_files:
            for f in files:
                out.live[f.path] = f
        for c in sorted(compactions, key=lambda c: c.sequence):
            new = tuple(f.path for f in c.files)
            for f in c.replaced:
                if out.live.pop(f.path, None) is None and every_batch:
                    raise ManifestError(
                        f"compaction {c.sequence} replaces {f.path}, which is not a current file: "
                        f"{layout.COMPACTIONS_DIR} does not match {layout.MANIFESTS_DIR}"
                        " (edited, or copied from another archive)"
                    )
                out.successors[f.path] = new
            for f in c.files:
                out.live[f.path] = f
        return out

    def holding(self, paths: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
        """The current files holding the rows of paths (batch files), in first-seen order, and whether any was
        rewritten by a compaction (then those files hold other batches' rows too: filter by offsets)."""
        seen: dict[str, None] = {}
        rewritten = False
        todo = list(paths)
        while todo:
            path = todo.pop(0)
            if path in self.successors:
                rewritten = True
                todo[:0] = list(self.successors[path])
            elif path in self.live:
                seen.setdefault(path, None)
            else:
                raise ManifestError(f"{path} is listed by a batch but is neither current nor replaced by a compaction")
        return tuple(seen), rewritten


def join_all(root: str, paths: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(uris.join(root, p) for p in paths)
