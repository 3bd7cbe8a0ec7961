select * from {{ ref('service_hourly') }} where error_rate < 0 or error_rate > 1 or errors > events
