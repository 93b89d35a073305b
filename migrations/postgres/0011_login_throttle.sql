-- Login throttling per account and per client address (issue 12 B): each failure
-- records the address it came from; usernames are stored cut to 64 characters.
ALTER TABLE login_failures ADD COLUMN client TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_client ON login_failures (client, at_ms);

-- An administrator's reset makes the account change its password at next login.
ALTER TABLE accounts ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
