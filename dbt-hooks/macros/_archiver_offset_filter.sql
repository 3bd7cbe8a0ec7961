{#- Private: a SQL predicate keeping the rows whose Kafka coordinates lie in offsets (var `offsets`: per
    topic-partition start_offset inclusive, end_offset exclusive). Used when a compaction merged the batch's files with
    other batches' rows (var `filter_offsets`). -#}
{% macro _archiver_offset_filter(offsets) -%}
  {%- if offsets is none or offsets | length == 0 -%}
    false
  {%- else -%}
    ({%- for o in offsets -%}
      {{ ' or ' if not loop.first }}(_kafka_topic = '{{ o["topic"] | replace("'", "''") }}' and _kafka_partition = {{ o["partition"] | int }} and _kafka_offset >= {{ o["start_offset"] | int }} and _kafka_offset < {{ o["end_offset"] | int }})
    {%- endfor -%})
  {%- endif -%}
{%- endmacro %}
