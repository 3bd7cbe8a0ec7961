{#- The batch(es) being transformed: ids and [start, end) of their event times, as archiver-dbt passed them. -#}
{% macro archiver_batch_window() -%}
  {{ return({
      'batch_id': var('batch_id', none),
      'batch_ids': var('batch_ids', []),
      'coalesced': var('coalesced', false),
      'start': var('event_time_start', none),
      'end': var('event_time_end', none),
      'offsets': var('offsets', []),
      'partitions': var('partitions', []),
  }) }}
{%- endmacro %}
