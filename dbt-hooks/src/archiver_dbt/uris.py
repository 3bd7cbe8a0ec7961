"""The archiver writes Hadoop URIs (file:/abs, s3a://bucket/key); these turn them into what Python and DuckDB open."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

# Hadoop's S3 connectors; DuckDB and s3fs both name the same objects s3://.
_S3_ALIASES = ("s3a://", "s3n://")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def normalize(uri: str) -> str:
    """An absolute local path for local URIs, else the URI with s3a/s3n mapped to s3.

    Accepts a plain path (made absolute), file:/abs (Hadoop's form), file:///abs and file://localhost/abs.
    """
    if not uri or not uri.strip():
        raise ValueError("empty URI: give a local path, a file: URI or an s3:// URI")
    uri = uri.strip()
    for alias in _S3_ALIASES:
        if uri.startswith(alias):
            return "s3://" + uri[len(alias) :]
    match = _SCHEME.match(uri)
    # A Windows drive letter ("C:") is no scheme; this tool only runs where the archiver does, but be exact.
    if match is None or len(match.group(1)) == 1:
        return os.path.abspath(uri)
    if match.group(1).lower() != "file":
        return uri
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"{uri}: file URIs on another host are not readable here; use a local path")
    if not parts.path.startswith("/"):
        raise ValueError(f"{uri}: a file URI needs an absolute path, e.g. file:/data/archive")
    return os.path.normpath(parts.path)


def is_local(normalized: str) -> bool:
    return normalized.startswith("/")


def join(base: str, relative: str) -> str:
    """base/relative; manifests' paths are always relative with forward slashes, whatever the storage."""
    if relative.startswith("/") or _SCHEME.match(relative):
        raise ValueError(f"'{relative}' must be a path relative to its root, not absolute")
    return base.rstrip("/") + "/" + relative


def basename(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]
