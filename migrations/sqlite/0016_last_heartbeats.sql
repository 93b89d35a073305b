-- Each station's newest heartbeat (issue 13, console speed): the fleet status reads
-- one row per station here instead of seeking the newest of up to 1,440 per station in
-- `heartbeats`. Keep in step with the other backend's migration of this number.
-- `record_heartbeat` writes both tables in one transaction.
CREATE TABLE last_heartbeats (
    station_code TEXT PRIMARY KEY,
    at_ms        INTEGER NOT NULL,
    body         TEXT NOT NULL
);

-- The newest of each station's kept heartbeats (two in the same millisecond: either).
INSERT INTO last_heartbeats (station_code, at_ms, body)
SELECT h.station_code, h.at_ms, MIN(h.body)
FROM (SELECT station_code, MAX(at_ms) AS at_ms FROM heartbeats GROUP BY station_code) m
JOIN heartbeats h ON h.station_code = m.station_code AND h.at_ms = m.at_ms
GROUP BY h.station_code, h.at_ms;
