-- Hours whose aggregate disagrees with staging: an hour that several archiver batches fed must still count each
-- event once. Only the hours this run rebuilt are checked, so the test costs the same every batch.
{%- set window = archiver_dbt.archiver_batch_window() %}
{%- set in_window -%}
    {%- if window.start is none -%} 1 = 1
    {%- else -%}
    event_hour >= date_trunc('hour', cast('{{ window.start }}' as timestamp))
    and event_hour < cast('{{ window.end }}' as timestamp)
    {%- endif -%}
{%- endset %}

with staged as (
    select date_trunc('hour', event_time) as event_hour, count(*) as events
    from {{ ref('stg_archiver_events') }}
    group by 1
),
hourly as (
    select event_hour, sum(events) as events
    from {{ ref('service_hourly') }}
    group by 1
)
select coalesce(s.event_hour, h.event_hour) as event_hour, s.events as staged, h.events as hourly
from (select * from staged where {{ in_window }}) s
full outer join (select * from hourly where {{ in_window }}) h on s.event_hour = h.event_hour
where s.events is distinct from h.events
