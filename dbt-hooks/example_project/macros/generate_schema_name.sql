{#- Schemas named staging and marts, not <target schema>_staging: one DuckDB file holds one environment. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
