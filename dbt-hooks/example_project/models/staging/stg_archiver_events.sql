{#- Every archived event, exactly once. Each run adds the rows of the batch(es) archiver-dbt passes; a retried batch
    replaces its own rows (delete+insert on the Kafka coordinates), so a crash after dbt but before the ledger write
    cannot duplicate them. event_time lets dbt filter this model for the microbatch model downstream. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['_kafka_topic', '_kafka_partition', '_kafka_offset'],
    event_time='event_time',
    on_schema_change='append_new_columns',
) }}

select
    event_id,
    event_time,
    service,
    level,
    user_id,
    latency_ms,
    path,
    status,
    message,
    event_date,
    _kafka_topic,
    _kafka_partition,
    _kafka_offset,
    _kafka_timestamp,
    _archiver_file
from {{ archiver_dbt.archiver_batch_files() }}
