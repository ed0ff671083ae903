-- The current version of every prediction (older versions are kept inactive).
SELECT *
FROM `${nba_predictions}.player_prop_predictions`
WHERE is_active
