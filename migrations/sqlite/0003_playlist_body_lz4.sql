-- Nothing to do on SQLite: on PostgreSQL this number sets the storage (lz4 compression)
-- of playlist bodies, and SQLite does not compress values. The file keeps one numbering
-- for both backends.
SELECT 1;
