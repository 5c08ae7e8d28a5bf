// The inventory's schema, one migration per version. Never edit a migration that has shipped:
// add a new one. Each runs in its own transaction, so it must not change PRAGMAs that SQLite
// ignores inside a transaction (foreign_keys, journal_mode).
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up: string | ((db: Database.Database) => void);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up: `
      -- Server pools. "groups" is an SQL keyword, hence host_groups.
      CREATE TABLE host_groups (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
        parent_id INTEGER REFERENCES host_groups(id) ON DELETE RESTRICT,
        created_at TEXT NOT NULL
      );
      -- NULLs are distinct in a UNIQUE constraint, so top-level names need the ifnull().
      CREATE UNIQUE INDEX host_groups_parent_name ON host_groups (ifnull(parent_id, 0), name);
      CREATE INDEX host_groups_parent ON host_groups (parent_id);

      -- No password or passphrase column, ever: secrets stay in the agent or the OS keyring.
      CREATE TABLE hosts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        address TEXT NOT NULL,
        port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
        username TEXT NOT NULL,
        hypervisor TEXT NOT NULL CHECK (hypervisor IN ('kvm', 'xen')),
        libvirt_uri TEXT CHECK (libvirt_uri IS NULL OR hypervisor = 'kvm'),
        group_id INTEGER REFERENCES host_groups(id) ON DELETE RESTRICT,
        use_sudo INTEGER NOT NULL DEFAULT 0 CHECK (use_sudo IN (0, 1)),
        identity_file TEXT,
        auth_method TEXT NOT NULL CHECK (auth_method IN ('agent', 'key', 'password')),
        host_key_fingerprint TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX hosts_group ON hosts (group_id);

      -- target_id is a host name or 'host/vm'; VMs live on the hosts, not here.
      CREATE TABLE tags (
        target_kind TEXT NOT NULL CHECK (target_kind IN ('host', 'vm')),
        target_id TEXT NOT NULL,
        tag TEXT NOT NULL,
        PRIMARY KEY (target_kind, target_id, tag)
      );
      CREATE INDEX tags_tag ON tags (tag);

      -- A host's tags, and its VMs' tags, follow it: removed with it, renamed with it.
      -- 'name/' <= id < 'name0' is every 'name/...' ('0' follows '/'), and uses the index.
      CREATE TRIGGER hosts_delete_tags AFTER DELETE ON hosts BEGIN
        DELETE FROM tags WHERE target_kind = 'host' AND target_id = old.name;
        DELETE FROM tags WHERE target_kind = 'vm'
          AND target_id >= old.name || '/' AND target_id < old.name || '0';
      END;
      CREATE TRIGGER hosts_rename_tags AFTER UPDATE OF name ON hosts
      WHEN old.name <> new.name BEGIN
        UPDATE tags SET target_id = new.name WHERE target_kind = 'host' AND target_id = old.name;
        UPDATE tags SET target_id = new.name || substr(target_id, length(old.name) + 1)
          WHERE target_kind = 'vm'
          AND target_id >= old.name || '/' AND target_id < old.name || '0';
      END;

      CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        status TEXT NOT NULL
          CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        progress REAL CHECK (progress IS NULL OR progress BETWEEN 0 AND 1),
        message TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT
      );
      CREATE INDEX tasks_created ON tasks (created_at);
      CREATE INDEX tasks_status ON tasks (status);
      CREATE INDEX tasks_target ON tasks (target, created_at);

      -- The full output of a task, one row per append; (task_id, seq) keeps it in order.
      CREATE TABLE task_log (
        task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        stream TEXT NOT NULL CHECK (stream IN ('info', 'stdout', 'stderr', 'command')),
        text TEXT NOT NULL,
        PRIMARY KEY (task_id, seq)
      );

      CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'refused')),
        detail TEXT CHECK (detail IS NULL OR json_valid(detail))
      );
      CREATE INDEX audit_target ON audit (target, id);
    `,
  },
  {
    version: 2,
    name: 'templates and ISOs by URL',
    up: `
      -- Templates and ISOs registered by URL (formats doc, section 3). Direct download: no store
      -- (store_path NULL), download_state BYPASSED, state Ready; otherwise fetched into the local
      -- image store (store_path) first. checksum is {ALGORITHM}hex.
      CREATE TABLE url_templates (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
        format TEXT NOT NULL CHECK (format IN ('qcow2', 'raw', 'iso')),
        url TEXT NOT NULL,
        checksum TEXT,
        os TEXT,
        hypervisor TEXT NOT NULL CHECK (hypervisor IN ('kvm', 'xen')),
        direct_download INTEGER NOT NULL CHECK (direct_download IN (0, 1)),
        store_path TEXT CHECK (store_path IS NULL OR direct_download = 0),
        download_state TEXT NOT NULL CHECK (download_state IN ('BYPASSED', 'DOWNLOADED')),
        state TEXT NOT NULL CHECK (state IN ('Ready')),
        size INTEGER,
        client_certificate TEXT,
        -- A metalink's candidate URLs, best first, as a JSON array; NULL for a plain URL.
        mirrors TEXT CHECK (mirrors IS NULL OR json_valid(mirrors)),
        created_at TEXT NOT NULL
      );
      -- Template details, CloudStack-style: key HTTP_HEADER, value NAME:VALUE, in order.
      CREATE TABLE url_template_details (
        template_id INTEGER NOT NULL REFERENCES url_templates(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (template_id, seq)
      );
      -- Where a copy of a template already is (CloudStack's template_spool_ref): the next VM on
      -- that storage pool reuses it without downloading.
      CREATE TABLE url_template_pool_copies (
        template_id INTEGER NOT NULL REFERENCES url_templates(id) ON DELETE CASCADE,
        pool TEXT NOT NULL,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        downloaded_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (template_id, pool)
      );
      -- Certificates installed on every host for HTTPS downloads. Public parts only: a client
      -- certificate's key lives on the hosts, never here.
      CREATE TABLE download_certificates (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('ca', 'client')),
        pem TEXT NOT NULL,
        subject TEXT NOT NULL,
        issuer TEXT NOT NULL,
        valid_from TEXT NOT NULL,
        valid_to TEXT NOT NULL,
        fingerprint256 TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'HTTP header values into the secret store',
    // Migrations change the schema only. This version marks when header values started to live
    // in ConVirt's secret store (url_template_details keeps HTTP_HEADER_SECRET rows, NAME:<vault
    // id>); the data move needs the unlocked store, so it runs where the store is open, with the
    // store passed in: moveHeaderValuesIntoVault in templates/template-secrets.ts, at start-up
    // (openConvirt) and the first time the store is unlocked. Until then the older values are in
    // plain text exactly as before, and `convirtctl secrets list` says how many.
    up: '',
  },
  {
    version: 4,
    name: 'interrupted tasks and the process that runs each task',
    // SQLite cannot change a CHECK constraint in place: both tables are rebuilt. task_log is
    // copied first into a table that references the new tasks table, so dropping the old one
    // cascades into nothing. owner is "PID:START" of the ConVirt process running the task: a
    // second process opening the inventory (convirtctl beside the window) must not take a live
    // process's tasks for interrupted ones.
    up: `
      CREATE TABLE tasks_v4 (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN
          ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
        progress REAL CHECK (progress IS NULL OR progress BETWEEN 0 AND 1),
        message TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        owner TEXT
      );
      INSERT INTO tasks_v4 (id, kind, target, status, progress, message, error, created_at,
          started_at, ended_at)
        SELECT id, kind, target,
          CASE WHEN status = 'failed' AND error = 'interrupted: ConVirt stopped while this task ran'
            THEN 'interrupted' ELSE status END,
          progress, message, error, created_at, started_at, ended_at
        FROM tasks;
      CREATE TABLE task_log_v4 (
        task_id TEXT NOT NULL REFERENCES tasks_v4(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        stream TEXT NOT NULL CHECK (stream IN ('info', 'stdout', 'stderr', 'command')),
        text TEXT NOT NULL,
        PRIMARY KEY (task_id, seq)
      );
      INSERT INTO task_log_v4 SELECT task_id, seq, at, stream, text FROM task_log;
      DROP TABLE task_log;
      DROP TABLE tasks;
      -- Renaming also renames task_log_v4's reference to tasks_v4.
      ALTER TABLE tasks_v4 RENAME TO tasks;
      ALTER TABLE task_log_v4 RENAME TO task_log;
      CREATE INDEX tasks_created ON tasks (created_at);
      CREATE INDEX tasks_status ON tasks (status);
      CREATE INDEX tasks_target ON tasks (target, created_at);
    `,
  },
  {
    version: 5,
    name: 'template settings and image-list subscriptions',
    up: `
      -- What an image-list rotation keeps from one version of a template to the next: whether it
      -- may be provisioned from, and the server pools (host_groups ids, a JSON array; NULL: every
      -- pool, []: none) whose hosts may use it.
      ALTER TABLE url_templates ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1
        CHECK (enabled IN (0, 1));
      ALTER TABLE url_templates ADD COLUMN server_pools TEXT
        CHECK (server_pools IS NULL OR json_valid(server_pools));

      -- Subscriptions to signed HEPiX image lists (formats doc, section 5). The trusted CAs are a
      -- PEM file or an OpenSSL hashed-name folder on this machine; identifier and version are
      -- those of the last list accepted (NULL before the first).
      CREATE TABLE image_list_subscriptions (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
        url TEXT NOT NULL,
        trust_ca_file TEXT,
        trust_ca_dir TEXT,
        endorser_dn TEXT,
        allow_unsigned INTEGER NOT NULL CHECK (allow_unsigned IN (0, 1)),
        -- Header names and references into the secret store, a JSON array of NAME:<vault id>.
        headers TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(headers)),
        identifier TEXT,
        title TEXT,
        version TEXT,
        list_created TEXT,
        list_expires TEXT,
        endorser TEXT,
        state TEXT NOT NULL CHECK (state IN ('new', 'current', 'expired')),
        last_checked_at TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        CHECK (trust_ca_file IS NOT NULL OR trust_ca_dir IS NOT NULL OR allow_unsigned = 1)
      );
      -- The images of a subscription's accepted list, by dc:identifier; template is the template
      -- that holds its current version (named after the identifier), NULL once expired.
      CREATE TABLE image_list_images (
        subscription_id INTEGER NOT NULL
          REFERENCES image_list_subscriptions(id) ON DELETE CASCADE,
        identifier TEXT NOT NULL,
        title TEXT,
        version TEXT NOT NULL,
        uri TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha512 TEXT NOT NULL,
        hypervisor TEXT,
        format TEXT,
        os TEXT,
        os_version TEXT,
        arch TEXT,
        expires TEXT,
        state TEXT NOT NULL CHECK (state IN ('available', 'expired', 'unusable')),
        template TEXT,
        note TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (subscription_id, identifier)
      );
    `,
  },
];
