-- A number that grows with every write of what the schedule is made of (areas, their
-- windows, stations, segments, campaigns), however it is written: the API, the CLI, an
-- import, another replica, or SQL typed by hand. The in-memory caches of the tree, the
-- schedule inputs, the station facts and the console's directory are current while it
-- is unchanged. Statement-level triggers: one bump per statement, however many rows.
CREATE TABLE data_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO data_version (id, n) VALUES (1, 0);
CREATE FUNCTION loa_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER areas_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON areas FOR EACH STATEMENT EXECUTE FUNCTION loa_bump_data_version();
CREATE TRIGGER area_windows_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON area_windows FOR EACH STATEMENT EXECUTE FUNCTION loa_bump_data_version();
CREATE TRIGGER stations_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON stations FOR EACH STATEMENT EXECUTE FUNCTION loa_bump_data_version();
CREATE TRIGGER segments_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON segments FOR EACH STATEMENT EXECUTE FUNCTION loa_bump_data_version();
CREATE TRIGGER campaigns_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaigns FOR EACH STATEMENT EXECUTE FUNCTION loa_bump_data_version();
