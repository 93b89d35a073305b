-- A real deployment (issue 12 C). Keep in step with the other backend's migration of
-- this name.
--
-- An account can reach the whole tree, whatever its roots: a national set has 34
-- provinces and the first administrator must see them all. `area_code` still names a
-- stored area (the foreign key needs one) and is ignored while `whole_tree` is 1.
ALTER TABLE accounts ADD COLUMN whole_tree INTEGER NOT NULL DEFAULT 0;

-- A unit a re-imported tree no longer lists is retired, not deleted: the stations,
-- campaigns and airings that name it keep their meaning, and listing it again brings
-- it back. Milliseconds since the epoch, NULL while current.
ALTER TABLE areas ADD COLUMN retired_at BIGINT;
