{#- DuckDB reads the list itself; event_date comes from the directory names (hive partitioning). -#}
{#- After a compaction (var filter_offsets) the files also hold other batches' rows: keep the batch's offsets only. -#}
{% macro duckdb__archiver_batch_files(files) -%}
  {%- set filtered = files is none and var('filter_offsets', false) -%}
  {%- set files = archiver_dbt.archiver_required_list(files if files is not none else var('files', none), 'files') -%}
  {%- if filtered %}(select * from {% endif -%}
  read_parquet({{ archiver_dbt.archiver_sql_list(files) }}, hive_partitioning = true, union_by_name = true, filename = '_archiver_file')
  {%- if filtered %} where {{ archiver_dbt._archiver_offset_filter(var('offsets', none)) }}){% endif -%}
{%- endmacro %}
