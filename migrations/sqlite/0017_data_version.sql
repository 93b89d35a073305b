-- A number that grows with every write of what the schedule is made of (areas, their
-- windows, stations, segments, campaigns), however it is written: the API, the CLI, an
-- import, another process, or SQL typed by hand. The in-memory caches of the tree, the
-- schedule inputs, the station facts and the console's directory are current while it
-- is unchanged.
CREATE TABLE data_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO data_version (id, n) VALUES (1, 0);
CREATE TRIGGER areas_insert_version AFTER INSERT ON areas BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER areas_update_version AFTER UPDATE ON areas BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER areas_delete_version AFTER DELETE ON areas BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER area_windows_insert_version AFTER INSERT ON area_windows BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER area_windows_update_version AFTER UPDATE ON area_windows BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER area_windows_delete_version AFTER DELETE ON area_windows BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER stations_insert_version AFTER INSERT ON stations BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER stations_update_version AFTER UPDATE ON stations BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER stations_delete_version AFTER DELETE ON stations BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER segments_insert_version AFTER INSERT ON segments BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER segments_update_version AFTER UPDATE ON segments BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER segments_delete_version AFTER DELETE ON segments BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER campaigns_insert_version AFTER INSERT ON campaigns BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER campaigns_update_version AFTER UPDATE ON campaigns BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER campaigns_delete_version AFTER DELETE ON campaigns BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
