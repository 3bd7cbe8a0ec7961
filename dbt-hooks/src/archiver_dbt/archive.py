"""An archive as this tool sees it: the committed batches its manifests list, read from <output>/_archiver/manifests."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from archiver_dbt import layout, uris
from archiver_dbt.compaction import Compaction, LiveFiles, parse_compaction
from archiver_dbt.manifest import Manifest, ManifestError, parse_manifest
from archiver_dbt.storage import Storage, storage_for

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Archive:
    output: str  # normalized: absolute local path or s3://...

    def __post_init__(self) -> None:
        if self.output != uris.normalize(self.output):
            raise ValueError(f"{self.output}: pass the output through Archive.at() to normalize it")

    @staticmethod
    def at(output_uri: str) -> Archive:
        return Archive(uris.normalize(output_uri))

    @staticmethod
    def of_manifest(manifest_uri: str) -> tuple[Archive, int]:
        """The archive a manifest URI belongs to, and the batch it names."""
        normalized = uris.normalize(manifest_uri)
        match = layout.MANIFEST_URI.match(normalized)
        if match is None:
            raise ManifestError(f"{manifest_uri}: not a manifest path; expected {layout.MANIFEST_URI_FORM}")
        return Archive(match.group(1)), int(match.group(2))

    @property
    def storage(self) -> Storage:
        return storage_for(self.output)

    @property
    def manifests_dir(self) -> str:
        return uris.join(self.output, layout.MANIFESTS_DIR)

    def default_ledger(self, name: str) -> str:
        return uris.join(self.output, f"{layout.DBT_LEDGERS_DIR}/{name}.jsonl")

    def committed(self) -> list[int]:
        """Batch ids with a manifest: exactly the committed batches (other files there, e.g. temp files, are not)."""
        ids = []
        for name in self.storage.list_names(self.manifests_dir):
            match = layout.NUMBERED_NAME.match(name)
            if match:
                ids.append(int(match.group(1)))
        return sorted(ids)

    def committed_after(self, batch_id: int) -> list[int]:
        """Batch ids after batch_id (-1: all), ascending. On S3 only names from that key on are listed (StartAfter).
        A local directory has no order, so listing it reads every name: there the manifests after batch_id are probed
        by name instead (see _run_after), and the cost follows the backlog, not the directory."""
        if batch_id >= 0 and uris.is_local(self.output):
            return self._run_after(batch_id)
        return self._listed_after(batch_id)

    def _run_after(self, batch_id: int) -> list[int]:
        """The manifests batch_id+1, batch_id+2, ... up to the first missing one. A streaming query's batch ids are
        consecutive and a batch's manifest is published before the next batch starts (a batch that failed to commit
        runs again under the same id), so the committed batches after batch_id form one run: no listing is needed.
        Expiry (expire-manifests) removes only old, applied batches, never those after the newest applied one. A gap
        means a manifest was removed by hand; the name after the first missing one is probed too, and if it exists
        the directory is listed as before, so the batches after a lost manifest are not silently left pending."""
        storage, ids = self.storage, []
        b = batch_id + 1
        while storage.exists(uris.join(self.manifests_dir, layout.numbered_name(b))):
            ids.append(b)
            b += 1
        if storage.exists(uris.join(self.manifests_dir, layout.numbered_name(b + 1))):
            LOG.warning(
                "%s: no manifest of batch %d but one of batch %d: listing the directory", self.manifests_dir, b, b + 1
            )
            return self._listed_after(batch_id)
        return ids

    def _listed_after(self, batch_id: int) -> list[int]:
        start = layout.numbered_name(batch_id) if batch_id >= 0 else ""
        ids = []
        for name in self.storage.list_names_after(self.manifests_dir, start):
            match = layout.NUMBERED_NAME.match(name)
            if match:
                ids.append(int(match.group(1)))
        return sorted(ids)

    def manifest(self, batch_id: int) -> Manifest:
        uri = uris.join(self.manifests_dir, layout.numbered_name(batch_id))
        text = self.storage.read_text(uri)
        if text is None:
            raise ManifestError(f"{uri}: no such manifest; batch {batch_id} is not committed (yet)")
        manifest = parse_manifest(text, uri)
        if manifest.batch_id != batch_id:
            raise ManifestError(f"{uri}: holds batchId {manifest.batch_id}, but its name says {batch_id}")
        return manifest

    @property
    def compactions_dir(self) -> str:
        return uris.join(self.output, layout.COMPACTIONS_DIR)

    def compaction_sequences(self) -> list[int]:
        seqs = []
        for name in self.storage.list_names(self.compactions_dir):
            match = layout.NUMBERED_NAME.match(name)
            if match:
                seqs.append(int(match.group(1)))
        return sorted(seqs)

    def compactions(self) -> list[Compaction]:
        out = []
        for seq in self.compaction_sequences():
            uri = uris.join(self.compactions_dir, layout.numbered_name(seq))
            text = self.storage.read_text(uri)
            if text is None:
                raise ManifestError(f"{uri}: listed but gone; compaction manifests are never deleted")
            out.append(parse_compaction(text, uri))
        return out

    def live_files(self, batches: list[Manifest] | None = None) -> LiveFiles | None:
        """The archive's current files (batches folded with compactions); None when it was never compacted. With
        batches, only theirs are read: enough to find the files holding those batches' rows (catch-up)."""
        compactions = self.compactions()
        if not compactions:
            return None
        if batches is not None:
            return LiveFiles.of([m.files for m in batches], compactions, every_batch=False)
        # After expire-manifests, compactions may replace files of batches whose manifests are gone.
        expired = any(layout.NUMBERED_NAME.match(n) for n in self.storage.list_names(self.summary_dir))
        return LiveFiles.of([self.manifest(b).files for b in self.committed()], compactions, every_batch=not expired)

    @property
    def summary_dir(self) -> str:
        return uris.join(self.output, layout.SUMMARY_DIR)

    def current_file_locations(self) -> list[str]:
        """Every current archive file as DuckDB opens it: the exactly-once view of the whole archive."""
        live = self.live_files()
        if live is None:
            return [loc for b in self.committed() for loc in self.manifest(b).file_locations()]
        return [uris.join(self.output, p) for p in live.live]
