-- PostgreSQL only (SQLite does not compress values): store playlist bodies with lz4
-- instead of the default pglz. Compressing the 1.2 GB of JSON a national recompile
-- writes took pglz several seconds of server time; lz4 is several times faster at a
-- similar ratio for JSON. Servers built without lz4 (or older than 14) keep pglz.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE playlists ALTER COLUMN body SET COMPRESSION lz4';
EXCEPTION
    WHEN feature_not_supported OR syntax_error THEN
        RAISE NOTICE 'lz4 compression unavailable; playlist bodies keep the default';
END
$$;
