-- Alerts (issue 13). Keep in step with the other backend's migration of this name.
--
-- Who is told: an e-mail address and/or a webhook URL for an area subtree, made through
-- the API (`origin` 'api') or kept in the configuration file ('config', rewritten at
-- start-up).
CREATE TABLE alert_subscriptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    area_code  TEXT NOT NULL REFERENCES areas (code),
    email      TEXT,
    webhook    TEXT,
    origin     TEXT NOT NULL CHECK (origin IN ('api', 'config')),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (email IS NOT NULL OR webhook IS NOT NULL)
);

-- One row per problem of a station while it lasts (`closed_at` NULL) and after, so a
-- restarted server neither alerts again on what it already told nor forgets to say a
-- problem cleared.
CREATE TABLE alerts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    station_code TEXT NOT NULL,
    kind         TEXT NOT NULL,
    detail       TEXT NOT NULL,
    opened_at    BIGINT NOT NULL,
    closed_at    BIGINT
);
CREATE UNIQUE INDEX alerts_open ON alerts (station_code, kind) WHERE closed_at IS NULL;

-- What each subscription still has to be told, per channel: the next digest carries
-- every unsent notice; a failed delivery is tried again at the next interval.
CREATE TABLE alert_notices (
    subscription_id BIGINT NOT NULL REFERENCES alert_subscriptions (id) ON DELETE CASCADE,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    alert_id        BIGINT NOT NULL REFERENCES alerts (id),
    event           TEXT NOT NULL CHECK (event IN ('opened', 'closed')),
    queued_at       BIGINT NOT NULL,
    sent_at         BIGINT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    PRIMARY KEY (subscription_id, channel, alert_id, event)
);
CREATE INDEX alert_notices_unsent ON alert_notices (subscription_id, channel) WHERE sent_at IS NULL;
CREATE INDEX alert_notices_alert ON alert_notices (alert_id);
