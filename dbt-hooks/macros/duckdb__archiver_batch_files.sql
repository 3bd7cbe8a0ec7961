{#- DuckDB reads the list itself; event_date comes from the directory names (hive partitioning). -#}
{% macro duckdb__archiver_batch_files(files) -%}
  {%- set files = archiver_dbt.archiver_required_list(files if files is not none else var('files', none), 'files') -%}
  read_parquet({{ archiver_dbt.archiver_sql_list(files) }}, hive_partitioning = true, union_by_name = true, filename = '_archiver_file')
{%- endmacro %}
