-- Per function: when it last ran well (success, no_data or partial) and last failed, and
-- the hours since it last ran well (the stale-data check reads this). Looks back 14 days
-- of the execution log; a function silent for longer is absent.
SELECT
  function_name,
  MAX(IF(status IN ('success', 'no_data', 'partial'), started_at, NULL)) AS last_ok_at,
  MAX(IF(status = 'failed', started_at, NULL)) AS last_failure_at,
  TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), MAX(IF(status IN ('success', 'no_data', 'partial'), started_at, NULL)), HOUR) AS hours_since_ok,
  COUNTIF(status = 'failed' AND started_at > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 24 HOUR)) AS failures_last_24h
FROM `${nba_orchestration}.processor_execution_log`
WHERE run_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 14 DAY)
GROUP BY function_name
