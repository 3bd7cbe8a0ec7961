{#- The batch(es) being transformed: ids, [start, end) of their on-time event times and the late partitions' windows,
    as archiver-dbt passed them. -#}
{% macro archiver_batch_window() -%}
  {{ return({
      'batch_id': var('batch_id', none),
      'batch_ids': var('batch_ids', []),
      'coalesced': var('coalesced', false),
      'start': var('event_time_start', none),
      'end': var('event_time_end', none),
      'offsets': var('offsets', []),
      'partitions': var('partitions', []),
      'late_rows': var('late_rows', 0),
      'late_partitions': var('late_partitions', []),
      'late_windows': var('late_windows', []),
      'late_run': var('late_run', false),
  }) }}
{%- endmacro %}
