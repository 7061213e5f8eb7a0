import GRDB

/// The schema, as an ordered list of migrations. Never edit a shipped migration:
/// add a new one, so every database in the field reaches the same schema.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1_tokens_and_audit") { db in
            try db.execute(sql: """
                CREATE TABLE api_token (
                    id          TEXT PRIMARY KEY NOT NULL,
                    name        TEXT NOT NULL,
                    role        TEXT NOT NULL CHECK (role IN ('admin','staff','security','auditor','device')),
                    digest      TEXT NOT NULL UNIQUE CHECK (length(digest) = 64),
                    source      TEXT NOT NULL CHECK (source IN ('api','cli','config','bootstrap')),
                    created_at  DATETIME NOT NULL,
                    created_by  TEXT NOT NULL,
                    expires_at  DATETIME,
                    revoked_at  DATETIME,
                    revoked_by  TEXT
                );
                CREATE INDEX api_token_active ON api_token(role) WHERE revoked_at IS NULL;

                CREATE TABLE audit (
                    id          INTEGER PRIMARY KEY AUTOINCREMENT,
                    at          DATETIME NOT NULL,
                    actor_kind  TEXT NOT NULL,
                    actor_id    TEXT NOT NULL,
                    actor_name  TEXT NOT NULL,
                    actor_role  TEXT NOT NULL,
                    action      TEXT NOT NULL,
                    target      TEXT,
                    outcome     TEXT NOT NULL CHECK (outcome IN ('ok','denied','failed')),
                    detail      TEXT,
                    request_id  TEXT
                );
                CREATE INDEX audit_at ON audit(at);
                CREATE INDEX audit_action ON audit(action, at);
                CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """)
        }
        migrator.registerMigration("v2_registry") { db in
            try db.execute(sql: """
                CREATE TABLE holder (
                    id          TEXT PRIMARY KEY NOT NULL,
                    name        TEXT NOT NULL,
                    building    TEXT NOT NULL,
                    entrance    TEXT NOT NULL DEFAULT '',
                    room        TEXT NOT NULL,
                    household   TEXT NOT NULL,
                    phone       TEXT,
                    created_at  DATETIME NOT NULL,
                    created_by  TEXT NOT NULL,
                    updated_at  DATETIME NOT NULL,
                    erased_at   DATETIME
                );
                CREATE INDEX holder_household ON holder(household);
                CREATE INDEX holder_name ON holder(name COLLATE NOCASE);
                CREATE TABLE holder_plate (
                    holder_id   TEXT NOT NULL REFERENCES holder(id) ON DELETE CASCADE,
                    plate       TEXT NOT NULL,
                    PRIMARY KEY (holder_id, plate)
                );
                CREATE INDEX holder_plate_plate ON holder_plate(plate);

                CREATE TABLE card_key (
                    id          INTEGER PRIMARY KEY NOT NULL CHECK (id BETWEEN 1 AND 65535),
                    public_key  BLOB NOT NULL CHECK (length(public_key) = 32),
                    created_at  DATETIME NOT NULL,
                    retired_at  DATETIME
                );
                CREATE TABLE card (
                    id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 16),
                    holder_id       TEXT NOT NULL REFERENCES holder(id),
                    category        TEXT NOT NULL CHECK (category IN ('resident','visitor','worker','delivery','official')),
                    valid_from      DATETIME NOT NULL,
                    valid_until     DATETIME NOT NULL CHECK (valid_until > valid_from),
                    checkpoints     TEXT NOT NULL DEFAULT '[]',
                    allowed_hours   TEXT,
                    quota_count     INTEGER CHECK (quota_count IS NULL OR quota_count > 0),
                    quota_days      INTEGER CHECK (quota_days IS NULL OR quota_days > 0),
                    quota_direction TEXT CHECK (quota_direction IS NULL OR quota_direction IN ('in','out')),
                    generation      INTEGER NOT NULL DEFAULT 1,
                    key_id          INTEGER NOT NULL REFERENCES card_key(id),
                    token           TEXT NOT NULL,
                    issued_at       DATETIME NOT NULL,
                    issued_by       TEXT NOT NULL,
                    renewed_at      DATETIME,
                    revoked_at      DATETIME,
                    revoked_by      TEXT,
                    revoked_reason  TEXT
                );
                CREATE INDEX card_holder ON card(holder_id);
                CREATE INDEX card_revoked ON card(revoked_at) WHERE revoked_at IS NOT NULL;
                CREATE INDEX card_renewed ON card(renewed_at) WHERE renewed_at IS NOT NULL;

                CREATE TABLE entry (
                    id              INTEGER PRIMARY KEY AUTOINCREMENT,
                    at              DATETIME NOT NULL,
                    checkpoint      TEXT NOT NULL,
                    lane            TEXT NOT NULL,
                    direction       TEXT NOT NULL CHECK (direction IN ('in','out')),
                    card_id         TEXT,
                    holder_id       TEXT,
                    household       TEXT,
                    verdict         TEXT NOT NULL CHECK (verdict IN ('allow','deny','alert')),
                    reason_code     TEXT NOT NULL,
                    reason_message  TEXT NOT NULL,
                    counted         INTEGER NOT NULL DEFAULT 0,
                    source_kind     TEXT NOT NULL,
                    source_id       TEXT NOT NULL,
                    source_name     TEXT NOT NULL,
                    event_id        TEXT
                );
                CREATE UNIQUE INDEX entry_event ON entry(source_id, event_id) WHERE event_id IS NOT NULL;
                CREATE INDEX entry_card ON entry(card_id, id) WHERE counted = 1;
                CREATE INDEX entry_household ON entry(household, direction, at) WHERE counted = 1;
                CREATE INDEX entry_lane ON entry(checkpoint, lane, id);

                CREATE TABLE staff_user (
                    id              TEXT PRIMARY KEY NOT NULL,
                    name            TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    role            TEXT NOT NULL CHECK (role IN ('admin','staff','security','auditor')),
                    password_hash   TEXT NOT NULL,
                    created_at      DATETIME NOT NULL,
                    created_by      TEXT NOT NULL,
                    disabled_at     DATETIME
                );
                CREATE TABLE web_session (
                    digest      TEXT PRIMARY KEY NOT NULL,
                    user_id     TEXT NOT NULL REFERENCES staff_user(id) ON DELETE CASCADE,
                    csrf        TEXT NOT NULL,
                    created_at  DATETIME NOT NULL,
                    expires_at  DATETIME NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3_alerts") { db in
            // One table for every alert (camera, watchlist, gate, card); later
            // issues add routing, acknowledgement and cases around it.
            try db.execute(sql: """
                CREATE TABLE alert (
                    id          INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind        TEXT NOT NULL,
                    severity    TEXT NOT NULL CHECK (severity IN ('info','warning','critical')),
                    raised_at   DATETIME NOT NULL,
                    checkpoint  TEXT,
                    lane        TEXT,
                    camera_id   TEXT,
                    message     TEXT NOT NULL,
                    evidence    TEXT,
                    cleared_at  DATETIME
                );
                CREATE INDEX alert_raised ON alert(raised_at);
                CREATE INDEX alert_open_camera ON alert(camera_id, kind) WHERE cleared_at IS NULL;
                """)
        }
        migrator.registerMigration("v4_watchlist") { db in
            // Entries are never deleted, only marked: an alert keeps pointing at the entry that raised it.
            try db.execute(sql: """
                CREATE TABLE watchlist_entry (
                    id           TEXT PRIMARY KEY,
                    kind         TEXT NOT NULL CHECK (kind IN ('plate','card')),
                    value        TEXT NOT NULL,
                    reason       TEXT NOT NULL,
                    severity     TEXT NOT NULL CHECK (severity IN ('info','warning','critical')),
                    valid_until  DATETIME,
                    created_by   TEXT NOT NULL,
                    created_at   DATETIME NOT NULL,
                    deleted_at   DATETIME,
                    deleted_by   TEXT
                );
                CREATE UNIQUE INDEX watchlist_live_value ON watchlist_entry(kind, value) WHERE deleted_at IS NULL;
                """)
        }
        migrator.registerMigration("v5_gate_events") { db in
            // Every event a gate device reported, once: (device, event id) is the idempotency key, so a device
            // that resends after a lost reply gets the first answer back instead of a second passage.
            try db.execute(sql: """
                CREATE TABLE gate_event (
                    id               INTEGER PRIMARY KEY AUTOINCREMENT,
                    device_id        TEXT NOT NULL,
                    event_id         TEXT NOT NULL,
                    kind             TEXT NOT NULL,
                    checkpoint       TEXT NOT NULL,
                    lane             TEXT NOT NULL,
                    at               DATETIME NOT NULL,
                    received_at      DATETIME NOT NULL,
                    detail           TEXT NOT NULL,
                    snapshot_path    TEXT,
                    snapshot_sha256  TEXT,
                    UNIQUE (device_id, event_id)
                );
                CREATE INDEX gate_event_lane_time ON gate_event(checkpoint, lane, at);
                """)
        }
        migrator.registerMigration("v6_vehicles") { db in
            // Non-residents' vehicles the gate lets in by plate (service vans, taxis), each within its window.
            try db.execute(sql: """
                CREATE TABLE vehicle (
                    id           TEXT PRIMARY KEY,
                    plate        TEXT NOT NULL,
                    description  TEXT NOT NULL,
                    valid_from   DATETIME,
                    valid_until  DATETIME,
                    created_by   TEXT NOT NULL,
                    created_at   DATETIME NOT NULL,
                    deleted_at   DATETIME
                );
                CREATE INDEX vehicle_plate ON vehicle(plate) WHERE deleted_at IS NULL;
                """)
        }
        migrator.registerMigration("v7_passages") { db in
            // One row per vehicle (or card-only) passage with its verdict and every reason; `source_key` names
            // what produced it (a camera's track, a device's event) so a retry never records it twice.
            try db.execute(sql: """
                CREATE TABLE passage (
                    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
                    checkpoint          TEXT NOT NULL,
                    lane                TEXT NOT NULL,
                    direction           TEXT,
                    at                  DATETIME NOT NULL,
                    recorded_at         DATETIME NOT NULL,
                    plate               TEXT,
                    plate_confidence    REAL,
                    plate_source        TEXT,
                    plate_alternatives  TEXT,
                    snapshot_path       TEXT,
                    snapshot_sha256     TEXT,
                    card_id             TEXT,
                    holder_id           TEXT,
                    registered_as       TEXT,
                    verdict             TEXT NOT NULL CHECK (verdict IN ('allowed','flagged','denied','alert')),
                    reasons             TEXT NOT NULL,
                    source_key          TEXT NOT NULL UNIQUE
                );
                CREATE INDEX passage_time ON passage(at);
                CREATE INDEX passage_lane ON passage(checkpoint, lane, at);
                CREATE INDEX passage_plate ON passage(plate);
                ALTER TABLE alert ADD COLUMN passage_id INTEGER REFERENCES passage(id);
                """)
        }
        migrator.registerMigration("v8_alerting") { db in
            // Alerts gain routing (action, announced), de-duplication (key, counter), escalation and
            // acknowledgement. `alert_event` is the append-only log the live stream replays by id, so a client
            // resuming from Last-Event-ID also sees repeats, escalations and acknowledgements. Cases and their
            // transitions, and the outbox whose rows are written in the same transaction as the case change.
            try db.execute(sql: """
                ALTER TABLE alert ADD COLUMN dedup_key TEXT;
                ALTER TABLE alert ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE alert ADD COLUMN last_raised_at DATETIME;
                ALTER TABLE alert ADD COLUMN action TEXT NOT NULL DEFAULT 'live';
                ALTER TABLE alert ADD COLUMN announced INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE alert ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE alert ADD COLUMN escalated_at DATETIME;
                ALTER TABLE alert ADD COLUMN acknowledged_at DATETIME;
                ALTER TABLE alert ADD COLUMN acknowledged_by TEXT;
                ALTER TABLE alert ADD COLUMN ack_note TEXT;
                ALTER TABLE alert ADD COLUMN case_id INTEGER;
                CREATE INDEX alert_dedup ON alert(dedup_key, id);
                CREATE TABLE alert_event (
                    id        INTEGER PRIMARY KEY AUTOINCREMENT,
                    alert_id  INTEGER NOT NULL REFERENCES alert(id),
                    kind      TEXT NOT NULL,
                    at        DATETIME NOT NULL,
                    actor     TEXT,
                    note      TEXT,
                    announce  INTEGER NOT NULL DEFAULT 1
                );
                CREATE INDEX alert_event_alert ON alert_event(alert_id);
                CREATE TABLE grid_case (
                    id               INTEGER PRIMARY KEY AUTOINCREMENT,
                    alert_id         INTEGER NOT NULL UNIQUE REFERENCES alert(id),
                    checkpoint       TEXT,
                    kind             TEXT NOT NULL,
                    severity         TEXT NOT NULL,
                    summary          TEXT NOT NULL,
                    state            TEXT NOT NULL,
                    opened_at        DATETIME NOT NULL,
                    opened_by        TEXT NOT NULL,
                    updated_at       DATETIME NOT NULL,
                    acknowledged_at  DATETIME,
                    closed_at        DATETIME,
                    external_ref     TEXT,
                    external_token   TEXT,
                    external_status  TEXT
                );
                CREATE INDEX grid_case_opened ON grid_case(opened_at);
                CREATE TABLE case_transition (
                    id          INTEGER PRIMARY KEY AUTOINCREMENT,
                    case_id     INTEGER NOT NULL REFERENCES grid_case(id),
                    from_state  TEXT,
                    to_state    TEXT NOT NULL,
                    at          DATETIME NOT NULL,
                    actor       TEXT NOT NULL,
                    note        TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX case_transition_case ON case_transition(case_id);
                CREATE TABLE outbox (
                    id               INTEGER PRIMARY KEY AUTOINCREMENT,
                    case_id          INTEGER NOT NULL REFERENCES grid_case(id),
                    transition_id    INTEGER REFERENCES case_transition(id),
                    target           TEXT NOT NULL,
                    target_kind      TEXT NOT NULL,
                    event            TEXT NOT NULL,
                    payload          TEXT NOT NULL,
                    idempotency_key  TEXT NOT NULL UNIQUE,
                    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','delivered','failed')),
                    attempts         INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at  DATETIME NOT NULL,
                    last_status      INTEGER,
                    last_error       TEXT,
                    delivered_at     DATETIME,
                    created_at       DATETIME NOT NULL
                );
                CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
                """)
        }
        migrator.registerMigration("v9_plate_colour") { db in
            // The plate's colour as the reader or the camera told it (NULL: not told).
            try db.execute(sql: "ALTER TABLE passage ADD COLUMN plate_colour TEXT")
        }
        return migrator
    }
}
