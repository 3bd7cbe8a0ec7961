{#- The relation of the rows archived by the batch(es) being transformed: exactly the files their manifests list. -#}
{% macro archiver_batch_files(files=none) -%}
  {{ return(adapter.dispatch('archiver_batch_files', 'archiver_dbt')(files)) }}
{%- endmacro %}
