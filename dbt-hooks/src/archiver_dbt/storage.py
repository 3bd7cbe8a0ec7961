"""Reading manifests and keeping the ledger on the local file system or, through fsspec, on s3:// and the like."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from typing import Any, Protocol

from archiver_dbt import uris


class StorageError(Exception):
    """A manifest or ledger could not be read or written; the message names the URI and what to do."""


class Storage(Protocol):
    def list_names(self, directory: str) -> list[str]:
        """File names (not paths) in directory; empty when it does not exist."""
        ...

    def list_names_after(self, directory: str, start_after: str) -> list[str]:
        """File names in directory that sort after start_after, ascending; object stores list from that key on."""
        ...

    def exists(self, uri: str) -> bool:
        """Whether the file exists (one stat, or one HEAD on object stores)."""
        ...

    def read_text(self, uri: str) -> str | None:
        """The file's text, or None when it does not exist."""
        ...

    def read_tail(self, uri: str, size: int) -> tuple[str, bool] | None:
        """The file's last size bytes as text and whether that is the whole file; None when it does not exist."""
        ...

    def append_line(self, uri: str, line: str) -> None:
        """Adds one line so that a crash leaves either the whole line or none of it readable."""
        ...

    def lock(self, uri: str) -> contextlib.AbstractContextManager[None]:
        """Held while a run reads and extends the ledger, so two runs never apply the same batch."""
        ...


class LocalStorage:
    def list_names(self, directory: str) -> list[str]:
        try:
            return os.listdir(directory)
        except FileNotFoundError:
            return []

    def list_names_after(self, directory: str, start_after: str) -> list[str]:
        # A directory has no order on disk: the names are streamed (never the files) and only those after the key
        # kept, so memory follows the backlog, not the directory.
        try:
            with os.scandir(directory) as names:
                return sorted(e.name for e in names if e.name > start_after)
        except FileNotFoundError:
            return []

    def exists(self, uri: str) -> bool:
        return os.path.isfile(uri)

    def read_text(self, uri: str) -> str | None:
        try:
            with open(uri, encoding="utf-8") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def read_tail(self, uri: str, size: int) -> tuple[str, bool] | None:
        try:
            with open(uri, "rb") as f:
                end = f.seek(0, os.SEEK_END)
                f.seek(max(0, end - size))
                return f.read().decode("utf-8", errors="replace"), end <= size
        except FileNotFoundError:
            return None

    def append_line(self, uri: str, line: str) -> None:
        os.makedirs(os.path.dirname(uri), exist_ok=True)
        with open(uri, "a+b") as f:
            _drop_torn_tail(f)
            # One write of the whole line on an O_APPEND file, then fsync: a crash keeps the line or a torn tail that
            # readers ignore and the next append cuts off.
            f.write((line.rstrip("\n") + "\n").encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())

    @contextlib.contextmanager
    def lock(self, uri: str) -> Iterator[None]:
        os.makedirs(os.path.dirname(uri), exist_ok=True)
        with open(uri + ".lock", "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)


def _drop_torn_tail(f: Any) -> None:
    size = f.seek(0, os.SEEK_END)
    if size == 0:
        return
    f.seek(size - 1)
    if f.read(1) == b"\n":
        return
    # A previous writer died mid-line: cut back to the last complete line.
    f.seek(0)
    data = f.read()
    f.truncate(data.rfind(b"\n") + 1)
    f.seek(0, os.SEEK_END)


class FsspecStorage:
    """Object stores have no append and no lock: the ledger is rewritten whole (one atomic PUT) by a single runner."""

    def __init__(self, uri: str) -> None:
        try:
            import fsspec  # type: ignore[import-untyped]  # optional: only remote URIs need it
        except ImportError as e:
            raise StorageError(
                f"{uri}: remote URIs need fsspec (and s3fs for s3://): pip install 'archiver-dbt[s3]'"
            ) from e
        self._fs, _ = fsspec.core.url_to_fs(uri)

    def list_names(self, directory: str) -> list[str]:
        try:
            return [uris.basename(p) for p in self._fs.ls(directory, detail=False)]
        except FileNotFoundError:
            return []

    def list_names_after(self, directory: str, start_after: str) -> list[str]:
        call_s3 = getattr(self._fs, "call_s3", None)
        if call_s3 is None:  # a store without a start key: list it all, read nothing
            return sorted(n for n in self.list_names(directory) if n > start_after)
        # S3 (s3fs): ListObjectsV2 from StartAfter, so a year of manifests before the key is never listed.
        bucket, _, prefix = self._fs._strip_protocol(directory).rstrip("/").partition("/")
        prefix = prefix + "/" if prefix else ""
        names: list[str] = []
        token: str | None = None
        while True:
            args: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/"}
            args.update({"ContinuationToken": token} if token else {"StartAfter": prefix + start_after})
            page = call_s3("list_objects_v2", **args)
            names += [c["Key"][len(prefix) :] for c in page.get("Contents", [])]
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return sorted(n for n in names if n > start_after)

    def exists(self, uri: str) -> bool:
        return bool(self._fs.exists(uri))

    def read_text(self, uri: str) -> str | None:
        try:
            with self._fs.open(uri, "rb") as f:
                data: bytes = f.read()
                return data.decode("utf-8")
        except FileNotFoundError:
            return None

    def read_tail(self, uri: str, size: int) -> tuple[str, bool] | None:
        try:
            with self._fs.open(uri, "rb") as f:  # a ranged GET on object stores
                end = f.seek(0, os.SEEK_END)
                f.seek(max(0, end - size))
                data: bytes = f.read()
                return data.decode("utf-8", errors="replace"), end <= size
        except FileNotFoundError:
            return None

    def append_line(self, uri: str, line: str) -> None:
        old = self.read_text(uri) or ""
        if old and not old.endswith("\n"):
            old = old[: old.rfind("\n") + 1]
        with self._fs.open(uri, "wb") as f:
            f.write((old + line.rstrip("\n") + "\n").encode("utf-8"))

    @contextlib.contextmanager
    def lock(self, uri: str) -> Iterator[None]:
        yield


def storage_for(uri: str) -> Storage:
    """uri must already be normalized (see uris.normalize)."""
    return LocalStorage() if uris.is_local(uri) else FsspecStorage(uri)
