-- Failed invocations of the last 7 days, newest first, with the chain they belong to.
SELECT
  started_at,
  function_name,
  game_date,
  error_class,
  error_message,
  delivery_attempt,
  trigger_type,
  event_type,
  correlation_id,
  execution_id
FROM `${nba_orchestration}.processor_execution_log`
WHERE run_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 7 DAY)
  AND status = 'failed'
ORDER BY started_at DESC
