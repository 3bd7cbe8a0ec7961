{#- Events per service and hour with error rate and p95 latency. A microbatch model: archiver-dbt passes the batch's
    event-time window, and dbt rebuilds each hour in it from all of staging's rows for that hour, so hours that
    several archiver batches fed come out whole. DuckDB SQL (quantile_cont); on Spark use percentile_approx. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='microbatch',
    event_time='event_hour',
    begin='2020-01-01',
    batch_size='hour',
    lookback=0,
    concurrent_batches=false,
) }}

select
    date_trunc('hour', event_time) as event_hour,
    service,
    count(*) as events,
    count(case when level = 'ERROR' or status >= 500 then 1 end) as errors,
    count(case when level = 'ERROR' or status >= 500 then 1 end) / count(*) as error_rate,
    quantile_cont(latency_ms, 0.95) as p95_latency_ms
from {{ ref('stg_archiver_events') }}
group by 1, 2
