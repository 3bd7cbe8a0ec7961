"""The DuckDB macro reads a batch list whose files have different columns: files written before a column was
added to schema.ddl, and after (README "Schema changes")."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import jinja2

MACROS = Path(__file__).resolve().parent.parent / "macros"


def render_batch_files(files: list[str]) -> str:
    """duckdb__archiver_batch_files rendered by Jinja as dbt would, its helper macros from their own files."""
    env = jinja2.Environment(extensions=["jinja2.ext.do"])

    def macro(name: str) -> Any:
        template = env.from_string((MACROS / f"{name}.sql").read_text())
        return getattr(template.make_module({"execute": True}), name)

    helpers = SimpleNamespace(
        archiver_required_list=lambda values, name: values,  # it returns through dbt's return(); see its own tests
        archiver_sql_list=macro("archiver_sql_list"),
    )
    template = env.from_string((MACROS / "duckdb__archiver_batch_files.sql").read_text())
    module = template.make_module({"archiver_dbt": helpers, "var": lambda name, default=None: default})
    return str(module.duckdb__archiver_batch_files(files)).strip()


def test_files_written_before_and_after_a_column_was_added_are_read_together(tmp_path: Path) -> None:
    old = tmp_path / "event_date=2026-11-25" / "part-old.parquet"
    new = tmp_path / "event_date=2026-11-26" / "part-new.parquet"
    old.parent.mkdir()
    new.parent.mkdir()
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT 'e-1' AS event_id, 7 AS _kafka_offset, '{{"region":"eu"}}' AS _extra)
            TO '{old}' (FORMAT parquet)"""
    )
    con.execute(
        f"""COPY (SELECT 'e-2' AS event_id, 'us' AS region, 8 AS _kafka_offset, NULL::VARCHAR AS _extra)
            TO '{new}' (FORMAT parquet)"""
    )
    source = render_batch_files([str(old), str(new)])
    assert "union_by_name = true" in source
    rows = con.execute(
        f"SELECT event_id, region, json_extract_string(_extra, '$.region') AS kept, CAST(event_date AS VARCHAR) "
        f"FROM {source} ORDER BY event_id"
    ).fetchall()
    assert rows == [("e-1", None, "eu", "2026-11-25"), ("e-2", "us", None, "2026-11-26")]
