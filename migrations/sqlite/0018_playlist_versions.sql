-- Every station's playlist version, read alone (issue 13, console speed): the fleet
-- status reads all of them on every dashboard request. A playlist row holds the whole
-- playlist beside its version, so on SQLite reading 10,000 versions from the table
-- itself reads 10,000 pages of it (and as many copies out of the page cache); this
-- index answers from about 200. Keep in step with the other backend's migration of
-- this number.
CREATE INDEX playlists_version ON playlists (station_code, version);
