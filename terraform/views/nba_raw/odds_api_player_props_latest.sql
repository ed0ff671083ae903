-- The line that counts: per game, player, bookmaker, market and side, the latest snapshot
-- taken before the tip (props are appended as point-in-time snapshots). The base table
-- requires a partition filter: filter this view on game_date.
SELECT *
FROM `${nba_raw}.odds_api_player_props`
WHERE snapshot_at <= commence_time
QUALIFY ROW_NUMBER() OVER (
  PARTITION BY game_date, event_id, player_lookup, bookmaker, market, side
  ORDER BY snapshot_at DESC
) = 1
