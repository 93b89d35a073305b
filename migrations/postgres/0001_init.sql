-- loa schema, PostgreSQL. Instants are integer milliseconds since the Unix epoch (UTC);
-- local dates are TEXT 'YYYY-MM-DD'. Keep in step with ../sqlite/0001_init.sql.

CREATE TABLE areas (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('province', 'district', 'commune')),
    parent_code TEXT REFERENCES areas (code)
);
CREATE INDEX areas_parent ON areas (parent_code);

-- Broadcast windows set on an area: one row per window (days, start, end in minutes).
CREATE TABLE area_windows (
    area_code TEXT NOT NULL REFERENCES areas (code),
    position  BIGINT NOT NULL,
    days      TEXT NOT NULL,
    start_min BIGINT NOT NULL,
    end_min   BIGINT NOT NULL,
    PRIMARY KEY (area_code, position)
);

CREATE TABLE stations (
    code        TEXT PRIMARY KEY,
    area_code   TEXT NOT NULL REFERENCES areas (code),
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    languages   TEXT NOT NULL,          -- comma-separated, preferred first
    windows     TEXT,                   -- own narrowing windows "DAYS HH:MM-HH:MM;…" or NULL
    target_lufs DOUBLE PRECISION NOT NULL DEFAULT -16.0,
    created_at  BIGINT NOT NULL
);
CREATE INDEX stations_area ON stations (area_code);

CREATE TABLE segments (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    language      TEXT NOT NULL,
    group_id      TEXT NOT NULL,
    tags          TEXT NOT NULL,        -- JSON array of strings
    duration_ms   BIGINT NOT NULL,
    sha256        TEXT NOT NULL UNIQUE,
    size_bytes    BIGINT NOT NULL,
    format        TEXT NOT NULL,
    loudness_lufs DOUBLE PRECISION,
    valid_from    TEXT,
    valid_until   TEXT,
    area_code     TEXT NOT NULL REFERENCES areas (code),   -- owner scope
    uploaded_by   BIGINT,
    approved_by   BIGINT,
    approved_at   BIGINT,
    created_at    BIGINT NOT NULL
);

CREATE TABLE campaigns (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    from_date           TEXT NOT NULL,
    until_date          TEXT NOT NULL,
    priority            TEXT NOT NULL,
    min_airings_per_day BIGINT NOT NULL,
    area_code           TEXT NOT NULL REFERENCES areas (code),   -- owner scope
    spec                TEXT NOT NULL,  -- JSON: target areas, pool, weights, rotations
    updated_at          BIGINT NOT NULL
);

-- The current compiled playlist of each station, served byte for byte.
CREATE TABLE playlists (
    station_code TEXT PRIMARY KEY REFERENCES stations (code),
    from_date    TEXT NOT NULL,
    days         BIGINT NOT NULL,
    version      TEXT NOT NULL,
    body         TEXT NOT NULL,
    compiled_at  BIGINT NOT NULL
);

-- Every item ever planned (future items replaced on recompile, past ones kept), for reports.
CREATE TABLE planned_items (
    station_code TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    start_ms     BIGINT NOT NULL,
    duration_ms  BIGINT NOT NULL,
    segment_id   TEXT NOT NULL,
    campaign_id  TEXT NOT NULL,
    priority     TEXT NOT NULL,
    PRIMARY KEY (station_code, item_id)
);
CREATE INDEX planned_items_start ON planned_items (station_code, start_ms);

CREATE TABLE accounts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'approver', 'viewer')),
    area_code     TEXT NOT NULL REFERENCES areas (code),
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    expires_at BIGINT NOT NULL
);

-- Failed logins, shared by all replicas, for rate limiting.
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    at_ms    BIGINT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (username, at_ms);

CREATE TABLE enroll_codes (
    code_hash    TEXT PRIMARY KEY,
    station_code TEXT NOT NULL REFERENCES stations (code),
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT,
    created_by   TEXT NOT NULL
);

CREATE TABLE station_tokens (
    token_hash   TEXT PRIMARY KEY,
    station_code TEXT NOT NULL REFERENCES stations (code),
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);

CREATE TABLE airings (
    uuid             TEXT PRIMARY KEY,
    station_code     TEXT NOT NULL,
    item_id          TEXT NOT NULL,
    planned_start_ms BIGINT NOT NULL,
    actual_start_ms  BIGINT,
    actual_end_ms    BIGINT,
    outcome          TEXT NOT NULL,
    reason           TEXT,
    clock_offset_ms  BIGINT NOT NULL,
    prev_hash        TEXT NOT NULL,
    hash             TEXT NOT NULL,
    received_at      BIGINT NOT NULL
);
CREATE INDEX airings_station_start ON airings (station_code, planned_start_ms);
CREATE INDEX airings_station_hash ON airings (station_code, hash);

CREATE TABLE chain_breaks (
    station_code  TEXT NOT NULL,
    airing_uuid   TEXT NOT NULL,
    expected_prev TEXT NOT NULL,
    got_prev      TEXT NOT NULL,
    detected_at   BIGINT NOT NULL
);

CREATE TABLE heartbeats (
    station_code TEXT NOT NULL,
    at_ms        BIGINT NOT NULL,
    body         TEXT NOT NULL
);
CREATE INDEX heartbeats_station ON heartbeats (station_code, at_ms);

CREATE TABLE emergencies (
    id         TEXT PRIMARY KEY,
    segment_id TEXT NOT NULL REFERENCES segments (id),
    area_code  TEXT NOT NULL REFERENCES areas (code),
    sent_by    TEXT NOT NULL,
    sent_at    BIGINT NOT NULL
);

CREATE TABLE emergency_acks (
    emergency_id TEXT NOT NULL REFERENCES emergencies (id),
    station_code TEXT NOT NULL,
    acked_at     BIGINT NOT NULL,
    PRIMARY KEY (emergency_id, station_code)
);

-- Events for the per-station streams; every replica polls this table, so a bulletin
-- accepted by one replica reaches stations connected to another.
CREATE TABLE events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_code TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    at_ms        BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms  BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
