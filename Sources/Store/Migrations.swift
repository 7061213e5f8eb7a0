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
        return migrator
    }
}
