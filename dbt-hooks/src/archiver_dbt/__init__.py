"""Runs dbt on each batch the archiver commits, exactly once and in order, driven by its commit manifests."""

from archiver_dbt.archive import Archive
from archiver_dbt.dbt_runner import DbtProject
from archiver_dbt.ledger import Ledger, LedgerEntry
from archiver_dbt.manifest import Manifest, ManifestError, parse_manifest
from archiver_dbt.plan import Policy, Work
from archiver_dbt.transform import DbtFailed, Transformer

__all__ = [
    "Archive",
    "DbtFailed",
    "DbtProject",
    "Ledger",
    "LedgerEntry",
    "Manifest",
    "ManifestError",
    "Policy",
    "Transformer",
    "Work",
    "parse_manifest",
]
