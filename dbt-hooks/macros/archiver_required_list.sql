{#- The batch's list var, failing with what to do when a model runs outside archiver-dbt. While dbt only parses
    (execute is false) vars are absent, so a placeholder keeps the SQL valid. -#}
{% macro archiver_required_list(values, name) -%}
  {%- if values is none or values | length == 0 -%}
    {%- if execute -%}
      {{ exceptions.raise_compiler_error(
          "var '" ~ name ~ "' is empty: run this model through `archiver-dbt run-batch` or `archiver-dbt catch-up`, "
          ~ "which pass the batch's files, or pass --vars '{" ~ name ~ ": [...]}' yourself") }}
    {%- endif -%}
    {{ return(['archiver-dbt-placeholder.parquet']) }}
  {%- endif -%}
  {{ return(values) }}
{%- endmacro %}
