-- The stations each emergency bulletin was sent to, fixed when it is sent (stations
-- added or moved later do not change who was asked), with the event that carried it so
-- a station that reconnects is sent the same event again. Keep in step with
-- ../postgres/0002_emergency_targets.sql.

CREATE TABLE emergency_targets (
    emergency_id TEXT NOT NULL REFERENCES emergencies (id),
    station_code TEXT NOT NULL REFERENCES stations (code),
    event_id     INTEGER NOT NULL,
    PRIMARY KEY (emergency_id, station_code)
);
CREATE INDEX emergency_targets_station ON emergency_targets (station_code);
CREATE INDEX emergencies_sent_at ON emergencies (sent_at);
