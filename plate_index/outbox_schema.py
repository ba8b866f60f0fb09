"""plates.db's outbox tables and triggers (plate_index.outbox explains them): a migration of the store."""

NOW = "((julianday('now') - 2440587.5) * 86400.0)"  # epoch seconds in SQLite

MIGRATION = f"""
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,   -- shipping order
    sighting_id INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,       -- 1: the sighting was deleted here
    queued REAL NOT NULL                      -- when (epoch s): how far behind the index is
);
CREATE TABLE shipping (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    enabled INTEGER NOT NULL DEFAULT 0,       -- [index] url is set: the triggers queue changes
    shipped_seq INTEGER NOT NULL DEFAULT 0,   -- the last outbox entry the index has
    shipped_at REAL,                          -- when that batch was shipped
    last_error TEXT NOT NULL DEFAULT ''       -- why the last attempt failed ('' after a success)
);
INSERT INTO shipping (id) VALUES (1);
CREATE TRIGGER outbox_insert AFTER INSERT ON sightings WHEN (SELECT enabled FROM shipping) BEGIN
    INSERT INTO outbox (sighting_id, deleted, queued) VALUES (NEW.id, 0, {NOW});
END;
CREATE TRIGGER outbox_update AFTER UPDATE ON sightings WHEN (SELECT enabled FROM shipping) BEGIN
    INSERT INTO outbox (sighting_id, deleted, queued) VALUES (NEW.id, 0, {NOW});
END;
CREATE TRIGGER outbox_delete AFTER DELETE ON sightings WHEN (SELECT enabled FROM shipping) BEGIN
    INSERT INTO outbox (sighting_id, deleted, queued) VALUES (OLD.id, 1, {NOW});
END;
"""

# Which appliance ships, whatever its name: the shared index refuses a name another appliance ships under
# (two nodes left on the default host name would overwrite each other's sightings), and a renamed node's
# sightings leave the index under its old name (plate_index.pg_nodes.claim).
APPLIANCE_MIGRATION = """
ALTER TABLE shipping ADD COLUMN appliance TEXT NOT NULL DEFAULT '';   -- random, made once
ALTER TABLE shipping ADD COLUMN shipped_as TEXT NOT NULL DEFAULT '';  -- the node name it last shipped as
"""
