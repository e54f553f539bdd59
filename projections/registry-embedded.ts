// The projection registry on the embedded read store: four small tables in the read
// models' SQLite file. Every operation is one statement (or one transaction), and SQLite
// serialises writers across processes, so lease takeover and the active-version switch
// are atomic even between a server and a CLI on the same file.
import type { EmbeddedReadStore } from '../storage/readstore/port.ts';
import type { Lease, ProjectionRegistry } from './registry.ts';
import type { ProjectionStatus } from './status.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS projection_registry (
  name TEXT PRIMARY KEY,
  active_version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS projection_leases (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS projection_versions (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS projection_status (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);
`;

export function createEmbeddedRegistry(store: EmbeddedReadStore): ProjectionRegistry {
  const { db } = store;
  db.exec(SCHEMA);
  const sql = {
    // Free, expired or ours: one upsert decides, so two contenders cannot both win.
    acquire: db.prepare<[string, number, string, number, number]>(
      `INSERT INTO projection_leases (name, version, owner, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name, version) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE projection_leases.owner = excluded.owner OR projection_leases.expires_at <= ?`,
    ),
    renew: db.prepare<[number, string, number, string]>('UPDATE projection_leases SET expires_at = ? WHERE name = ? AND version = ? AND owner = ?'),
    release: db.prepare<[string, number, string]>('DELETE FROM projection_leases WHERE name = ? AND version = ? AND owner = ?'),
    holder: db.prepare<[string, number, number], { owner: string; expiresAt: number }>(
      'SELECT owner, expires_at AS expiresAt FROM projection_leases WHERE name = ? AND version = ? AND expires_at > ?',
    ),
    active: db.prepare<[string], number>('SELECT active_version FROM projection_registry WHERE name = ?').pluck(),
    activateFirst: db.prepare<[string, number, number]>(
      'INSERT INTO projection_registry (name, active_version, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
    ),
    activate: db.prepare<[number, number, string, number]>('UPDATE projection_registry SET active_version = ?, updated_at = ? WHERE name = ? AND active_version = ?'),
    recordVersion: db.prepare<[string, number, number]>('INSERT INTO projection_versions (name, version, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    versions: db.prepare<[string], number>('SELECT version FROM projection_versions WHERE name = ? ORDER BY version').pluck(),
    forgetVersion: db.prepare<[string, number]>('DELETE FROM projection_versions WHERE name = ? AND version = ?'),
    forgetStatus: db.prepare<[string, number]>('DELETE FROM projection_status WHERE name = ? AND version = ?'),
    names: db.prepare<[], string>('SELECT name FROM projection_registry UNION SELECT name FROM projection_versions ORDER BY name').pluck(),
    saveStatus: db.prepare<[string, number, string, number]>(
      `INSERT INTO projection_status (name, version, status, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name, version) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
    ),
    allStatus: db.prepare<[], string>('SELECT status FROM projection_status ORDER BY name, version').pluck(),
    statusOf: db.prepare<[string], string>('SELECT status FROM projection_status WHERE name = ? ORDER BY version').pluck(),
  };
  const forget = db.transaction((name: string, version: number) => {
    sql.forgetVersion.run(name, version);
    sql.forgetStatus.run(name, version);
  });

  return {
    async tryAcquireLease(name, version, owner, now, ttlMs) {
      return sql.acquire.run(name, version, owner, now + ttlMs, now).changes === 1;
    },
    async renewLease(name, version, owner, now, ttlMs) {
      return sql.renew.run(now + ttlMs, name, version, owner).changes === 1;
    },
    async releaseLease(name, version, owner) {
      sql.release.run(name, version, owner);
    },
    async leaseHolder(name, version, now): Promise<Lease | undefined> {
      return sql.holder.get(name, version, now);
    },
    async activeVersion(name) {
      return sql.active.get(name);
    },
    async setActiveVersion(name, version, expected) {
      const now = Date.now();
      const result = expected === undefined ? sql.activateFirst.run(name, version, now) : sql.activate.run(version, now, name, expected);
      return result.changes === 1;
    },
    async recordVersion(name, version, now) {
      sql.recordVersion.run(name, version, now);
    },
    async knownVersions(name) {
      return sql.versions.all(name);
    },
    async forgetVersion(name, version) {
      forget(name, version);
    },
    async knownNames() {
      return sql.names.all();
    },
    async saveStatus(status) {
      sql.saveStatus.run(status.name, status.version, JSON.stringify(status), status.updatedAt);
    },
    async listStatus(name) {
      const rows = name === undefined ? sql.allStatus.all() : sql.statusOf.all(name);
      return rows.map((row) => JSON.parse(row) as ProjectionStatus);
    },
  };
}
