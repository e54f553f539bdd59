// The projection registry: which version of each projection serves reads, which runner
// holds each version's lease, which versions have storage, and the runners' last status.
// It lives in the read store beside the read models; each store kind implements it
// (registry-embedded.ts, mongodb/registry.ts).
import type { ReadStore } from '../storage/readstore/port.ts';
import type { ProjectionStatus } from './status.ts';
import { createEmbeddedRegistry } from './registry-embedded.ts';
import { createMongoRegistry } from './mongodb/registry.ts';

export interface Lease {
  owner: string;
  /** Epoch milliseconds (by the holder's clock). */
  expiresAt: number;
}

export interface ProjectionRegistry {
  /** Takes the lease of one version if it is free, expired (at `now`) or already ours. Atomic. */
  tryAcquireLease(name: string, version: number, owner: string, now: number, ttlMs: number): Promise<boolean>;
  /** Extends our lease; false when it is no longer ours (taken over after it expired). */
  renewLease(name: string, version: number, owner: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if it is ours. */
  releaseLease(name: string, version: number, owner: string): Promise<void>;
  /** The current, unexpired holder at `now`. */
  leaseHolder(name: string, version: number, now: number): Promise<Lease | undefined>;

  /** The version reads are served from; undefined before any version was made active. */
  activeVersion(name: string): Promise<number | undefined>;
  /**
   * Points reads at `version` in one atomic step, only if the active version is still `expected`
   * (undefined: none yet). False when someone else changed it first.
   */
  setActiveVersion(name: string, version: number, expected: number | undefined): Promise<boolean>;

  /** Notes that a version has storage (so it can be found and dropped later). */
  recordVersion(name: string, version: number, now: number): Promise<void>;
  /** Versions with storage, ascending. */
  knownVersions(name: string): Promise<number[]>;
  /** Forgets a dropped version: its storage record and its saved status. */
  forgetVersion(name: string, version: number): Promise<void>;
  /** Names with an active version or known versions. */
  knownNames(): Promise<string[]>;

  saveStatus(status: ProjectionStatus): Promise<void>;
  /** Saved statuses, of one projection or all, by name then version. */
  listStatus(name?: string): Promise<ProjectionStatus[]>;
}

const registries = new WeakMap<ReadStore, ProjectionRegistry>();

/** The registry of a read store (one per store object, tables created on first use). */
export function registryFor(store: ReadStore): ProjectionRegistry {
  let registry = registries.get(store);
  if (!registry) {
    switch (store.kind) {
      case 'embedded':
        registry = createEmbeddedRegistry(store);
        break;
      case 'mongodb':
        registry = createMongoRegistry(store);
        break;
    }
    registries.set(store, registry);
  }
  return registry;
}

/** For the query side: the version of `name` whose storage answers reads. */
export function activeVersion(store: ReadStore, name: string): Promise<number | undefined> {
  return registryFor(store).activeVersion(name);
}
