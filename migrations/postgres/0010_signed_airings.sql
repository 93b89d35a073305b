-- Signed airings (issue 11, 5). Keep in step with the other backend's migration of this
-- name.
--
-- Each station's Ed25519 public keys. Enrolling again adds the new key and retires the
-- old one, which is kept: the records it signed stay verifiable. `key_id` is the first
-- 16 hex digits of the SHA-256 of the key's 32 bytes; times are ms since the epoch.
CREATE TABLE station_keys (
    station_code TEXT NOT NULL REFERENCES stations (code),
    key_id       TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    retired_at   BIGINT,
    PRIMARY KEY (station_code, key_id)
);

-- The key that signed each airing and its signature (hex); both NULL for a record of a
-- station that had no key then.
ALTER TABLE airings ADD COLUMN key_id TEXT;
ALTER TABLE airings ADD COLUMN signature TEXT;

-- Airings refused on arrival for their signature (bad, missing, unknown key), so staff
-- see what a station or someone with its token tried to store. The latest refusal of a
-- UUID is kept.
CREATE TABLE airing_refusals (
    station_code TEXT NOT NULL,
    uuid         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    received_at  BIGINT NOT NULL,
    PRIMARY KEY (station_code, uuid)
);

-- The latest check of each station's whole stored log (`loa verify`, or the verifier of
-- `loa serve`): counts, and the planned-start span of the unsigned records and of those
-- whose signature or chain failed, so a report over any period tells cheaply whether
-- that period's log verified.
CREATE TABLE log_checks (
    station_code       TEXT PRIMARY KEY,
    checked_at         BIGINT NOT NULL,
    records            BIGINT NOT NULL,
    unsigned           BIGINT NOT NULL,
    failed             BIGINT NOT NULL,
    unsigned_first_ms  BIGINT,
    unsigned_last_ms   BIGINT,
    signature_first_ms BIGINT,
    signature_last_ms  BIGINT,
    chain_first_ms     BIGINT,
    chain_last_ms      BIGINT
);

-- When the last background check started: replicas claim a run by moving it forward,
-- so one of them checks at a time.
CREATE TABLE log_check_runs (
    id         BIGINT PRIMARY KEY,
    started_at BIGINT NOT NULL
);
INSERT INTO log_check_runs (id, started_at) VALUES (1, 0);

-- `loa verify` asks, for a record whose previous hash is not stored, whether that break
-- was already seen on arrival.
CREATE INDEX chain_breaks_airing ON chain_breaks (airing_uuid);
