"""The README's DuckDB recipe and the offset filter of archiver_batch_files on real Parquet files: after a compaction
the current files hold every row once, and a compacted batch's rows are exactly its offsets'."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import jinja2

from archiver_dbt import uris
from archiver_dbt.archive import Archive

ROOT = Path(__file__).resolve().parents[2]


def _write(con: duckdb.DuckDBPyConnection, path: Path, start: int, end: int) -> dict[str, object]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"COPY (SELECT 'e' || i AS id, 't' AS _kafka_topic, 0 AS _kafka_partition, i::BIGINT AS _kafka_offset "
        f"FROM range({start}, {end}) r(i)) TO '{path}' (FORMAT parquet)"
    )
    return {"path": None, "rows": end - start, "bytes": path.stat().st_size}


def _archive(tmp_path: Path) -> tuple[Path, duckdb.DuckDBPyConnection]:
    """Three batches of 10 rows (offsets 0..29), one file each; batches 0 and 1 compacted into one file."""
    root = tmp_path / "archive"
    con = duckdb.connect()
    (root / "_archiver/manifests").mkdir(parents=True)
    files = []
    for b in range(3):
        rel = f"event_date=2026-11-25/part-{b:020d}-00000.c000.snappy.parquet"
        f = {**_write(con, root / rel, b * 10, b * 10 + 10), "path": rel}
        files.append(f)
        doc = {
            "formatVersion": 1, "batchId": b, "queryId": "q", "committedAt": "2026-11-25T06:00:00Z",
            "archiveRoot": "file:" + str(root), "quarantineRoot": "file:" + str(root) + "/_quarantine",
            "offsets": [{"topic": "t", "partition": 0, "startOffset": b * 10, "endOffset": b * 10 + 10}],
            "numRecords": 10, "numArchived": 10, "numQuarantined": 0, "files": [f], "quarantineFiles": [],
            "partitions": ["event_date=2026-11-25"], "intake": {},
        }  # fmt: skip
        (root / f"_archiver/manifests/{b:020d}.json").write_text(json.dumps(doc))
    new = "event_date=2026-11-25/part-compacted-w-00000.c000.snappy.parquet"
    compacted = {**_write(con, root / new, 0, 20), "path": new}
    (root / "_archiver/compactions").mkdir()
    doc = {
        "formatVersion": 1, "kind": "compaction", "sequence": 0, "committedAt": "2026-11-27T00:00:00Z",
        "archiveRoot": "file:" + str(root), "afterBatchId": 2, "partitions": ["event_date=2026-11-25"],
        "replaced": files[:2], "files": [compacted], "rows": 20,
    }  # fmt: skip
    (root / "_archiver/compactions/00000000000000000000.json").write_text(json.dumps(doc))
    return root, con


def test_the_readme_recipe_reads_every_row_once_after_a_compaction(tmp_path: Path) -> None:
    root, con = _archive(tmp_path)
    readme = (ROOT / "README.md").read_text()
    recipe = re.search(
        r"-- any archive: batches folded with compactions\n(SET VARIABLE files = \(.*?\);)\n", readme, re.S
    )
    assert recipe is not None, "the README's recipe for compacted archives"
    con.execute(_readme_macro())
    con.execute(recipe.group(1).replace("demo-output", str(root)))
    rows = con.execute(
        "SELECT count(*), count(DISTINCT _kafka_offset), min(_kafka_offset), max(_kafka_offset) "
        "FROM read_parquet(getvariable('files'))"
    ).fetchone()
    assert rows == (30, 30, 0, 29)
    listed = sorted(r[0] for r in con.execute("SELECT unnest(getvariable('files'))").fetchall())
    assert sorted(Archive.at(str(root)).current_file_locations()) == listed
    assert len(listed) == 2


def test_the_offset_filter_keeps_exactly_the_batchs_rows_of_a_compacted_file(tmp_path: Path) -> None:
    root, con = _archive(tmp_path)
    source = (ROOT / "dbt-hooks/macros/_archiver_offset_filter.sql").read_text()
    render = jinja2.Environment().from_string(source + "{{ _archiver_offset_filter(offsets) }}")
    offsets = [{"topic": "t", "partition": 0, "start_offset": 10, "end_offset": 20}]
    predicate = render.render(offsets=offsets).strip()
    new = root / "event_date=2026-11-25/part-compacted-w-00000.c000.snappy.parquet"
    got = con.execute(f"SELECT min(_kafka_offset), max(_kafka_offset), count(*) FROM '{new}' WHERE {predicate}")
    assert got.fetchone() == (10, 19, 10)
    assert render.render(offsets=[]).strip() == "false"


def _readme_macro() -> str:
    macro = re.search(
        r"^(CREATE MACRO archiver_file\(root, path\) AS\n.*?;)$", (ROOT / "README.md").read_text(), re.S | re.M
    )
    assert macro is not None, "the README's archiver_file macro"
    return macro.group(1)


def test_the_readme_macro_maps_roots_as_the_hook_does() -> None:
    con = duckdb.connect()
    con.execute(_readme_macro())
    for root in ("file:/data/a", "file:///data/a", "file://localhost/data/a", "s3a://b/p", "s3n://b/p", "s3://b/p"):
        got = con.execute("SELECT archiver_file(?, 'event_date=2026-11-25/x.parquet')", [root]).fetchone()
        assert got == (uris.join(uris.normalize(root), "event_date=2026-11-25/x.parquet"),), root
