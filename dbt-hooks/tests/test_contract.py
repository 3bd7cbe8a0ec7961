"""The manifest contract (manifest-schema/): the golden files are valid and read, the broken ones refused by the
schema and by the hook alike, and what the hook writes back (to_doc) is valid and reads the same."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import manifest_doc
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from archiver_dbt import layout
from archiver_dbt.compaction import parse_compaction
from archiver_dbt.manifest import ManifestError, parse_manifest

CONTRACT = Path(__file__).resolve().parents[2] / "manifest-schema"
GOLDEN = sorted((CONTRACT / "golden").glob("*.json"))
INVALID = sorted((CONTRACT / "invalid").glob("*.json"))


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


_SCHEMAS = {name: _load(CONTRACT / f"{name}-manifest.schema.json") for name in ("batch", "compaction")}
_REGISTRY = Registry().with_resources((schema["$id"], Resource.from_contents(schema)) for schema in _SCHEMAS.values())


def validator(kind: str) -> Draft202012Validator:
    Draft202012Validator.check_schema(_SCHEMAS[kind])
    return Draft202012Validator(_SCHEMAS[kind], registry=_REGISTRY)


def kind_of(path: Path) -> str:
    return "compaction" if path.name.startswith("compaction") else "batch"


def read(path: Path) -> Any:
    parse = parse_compaction if kind_of(path) == "compaction" else parse_manifest
    return parse(path.read_text(), path.name)


def test_the_contract_has_the_golden_files_the_readme_promises():
    names = {p.stem for p in GOLDEN}
    assert {"batch-local", "batch-s3a-late-unknown", "batch-quarantine-only", "batch-data-loss", "compaction"} <= names
    assert len(INVALID) >= 8


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_golden_files_are_valid_and_read_back_as_written(path: Path):
    validator(kind_of(path)).validate(_load(path))
    parsed = read(path)
    written = parsed.to_doc()
    validator(kind_of(path)).validate(written)
    # Java writes instants with nanoseconds, Python keeps microseconds: compare what each reads, and the rest as is.
    assert read_doc(written, path) == parsed
    assert _without_instants(written) == _without_instants(_load(path))


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_broken_files_are_refused_by_the_schema_and_by_the_hook(path: Path):
    errors = list(validator(kind_of(path)).iter_errors(_load(path)))
    assert errors, f"{path.name} should break the schema"
    with pytest.raises(ManifestError, match=rf"^{path.name}: "):
        read(path)


def test_the_newer_format_is_refused_with_upgrade():
    with pytest.raises(ManifestError, match=r"formatVersion 2 is newer .*: upgrade archiver-dbt"):
        read(CONTRACT / "invalid/batch-newer-format.json")


def test_the_hook_keeps_intake_data_loss_resets_and_the_writer_epoch():
    m = parse_manifest((CONTRACT / "golden/batch-data-loss.json").read_text(), "m.json")
    assert [(r.topic, r.partition, r.start_offset, r.end_offset) for r in m.data_loss] == [("events", 0, 500, 505)]
    assert [(r.topic, r.partition, r.from_offset, r.to_offset) for r in m.offset_resets] == [("events", 1, 830, 0)]
    assert m.lost_records() == 5 and m.writer_epoch == 2
    assert dict(m.intake)["policy"] == "fixed"
    local = parse_manifest((CONTRACT / "golden/batch-local.json").read_text(), "m.json")
    assert local.data_loss == () and local.offset_resets == () and local.lost_records() == 0


def test_the_tests_own_manifests_follow_the_contract():
    for doc in (
        manifest_doc(3, "file:/a"),
        manifest_doc(4, "s3a://b/p", rows=0),
        manifest_doc(5, "file:/a", late={"event_date=2026-11-20": 2}),
    ):
        validator("batch").validate(doc)
        validator("batch").validate(parse_manifest(json.dumps(doc), "m.json").to_doc())


def test_file_names_sort_by_number():
    assert layout.numbered_name(42) == "00000000000000000042.json"
    assert layout.NUMBERED_NAME.match(layout.numbered_name(7))
    assert layout.numbered_name(9) < layout.numbered_name(10)
    with pytest.raises(ValueError, match=">= 0"):
        layout.numbered_name(-1)


def read_doc(doc: dict[str, Any], path: Path) -> Any:
    parse = parse_compaction if kind_of(path) == "compaction" else parse_manifest
    return parse(json.dumps(doc), path.name)


def _without_instants(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("eventTime", "lateBefore")}


def test_the_hook_reads_the_running_totals_and_old_manifests_without_them():
    m = parse_manifest((CONTRACT / "golden/batch-data-loss.json").read_text(), "m.json")
    assert m.totals is not None
    assert (m.totals.count("batches"), m.totals.count("lostRecords")) == (19, 5)
    assert m.totals.data_loss_batches == (18,)
    assert dict(m.totals.committed_offsets) == {"events-0": 520, "events-1": 5}
    assert parse_manifest((CONTRACT / "golden/batch-local.json").read_text(), "m.json").totals is None
