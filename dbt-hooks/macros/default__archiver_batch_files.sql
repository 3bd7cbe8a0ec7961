{#- Engines without a reader for a list of files (Spark, Athena, Trino) read an external table over the archive root
    and keep the batch's files by the engine's file-path pseudo-column, so orphan files of failed attempts stay out. -#}
{% macro default__archiver_batch_files(files) -%}
  {%- set filtered = files is none and var('filter_offsets', false) -%}
  {%- set files = archiver_dbt.archiver_required_list(files if files is not none else var('file_uris', none), 'file_uris') -%}
  {%- set relation = var('archiver_relation', none) -%}
  {%- set path_column = var('archiver_path_column', none) -%}
  {%- if execute and (relation is none or path_column is none) -%}
    {{ exceptions.raise_compiler_error(
        "archiver_batch_files() on adapter '" ~ adapter.type() ~ "' needs vars archiver_relation (an external table "
        ~ "over the archive root, e.g. \"archive.events\") and archiver_path_column (its file path column, e.g. "
        ~ "'\"$path\"' on Athena, '_metadata.file_path' on Spark); or add a " ~ adapter.type()
        ~ "__archiver_batch_files(files) macro to your project") }}
  {%- endif -%}
  (select * from {{ relation }} where {{ path_column }} in ({{ archiver_dbt.archiver_sql_list(files, brackets=false) }})
  {%- if filtered %} and {{ archiver_dbt._archiver_offset_filter(var('offsets', none)) }}{% endif -%})
{%- endmacro %}
