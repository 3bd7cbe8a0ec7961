{#- Strings as a SQL list literal, quotes escaped (file names may contain them): ['a', 'b'], or 'a', 'b' for IN (...). -#}
{% macro archiver_sql_list(values, brackets=true) -%}
  {{- '[' if brackets -}}
  {%- for v in values -%}'{{ v | replace("'", "''") }}'{{ ", " if not loop.last }}{%- endfor -%}
  {{- ']' if brackets -}}
{%- endmacro %}
