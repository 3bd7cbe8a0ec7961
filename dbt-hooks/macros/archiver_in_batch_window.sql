{#- A predicate keeping rows whose column falls in the batch's event-time window or in one of its late windows, for
    models that are not microbatch models (those get the window from dbt itself). True when the batch archived no
    event times. -#}
{% macro archiver_in_batch_window(column) -%}
  {%- set window = archiver_dbt.archiver_batch_window() -%}
  {%- if window.start is none -%}
    (1 = 1)
  {%- else -%}
    (({{ column }} >= cast('{{ window.start }}' as timestamp) and {{ column }} < cast('{{ window.end }}' as timestamp))
    {%- for late in window.late_windows %}
     or ({{ column }} >= cast('{{ late.start }}' as timestamp) and {{ column }} < cast('{{ late.end }}' as timestamp))
    {%- endfor -%}
    )
  {%- endif -%}
{%- endmacro %}
