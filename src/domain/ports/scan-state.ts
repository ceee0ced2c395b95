import type { Scope } from '../findings/model.js';
import type { ScopeProgress } from '../findings/scope-progress.js';

/** Ports of a scan's state between jobs: its lock and what a failed attempt had read. */

/** One running scan per workflow scope; `holder` is an opaque id of the scan holding it. */
export interface ScanLocks {
  /** `holder` is ours when acquired, the running scan's when not. */
  acquire(lockId: string, holder: string): Promise<{ acquired: boolean; holder: string }>;
  /** Who holds the lock now (null: nobody). */
  holder(lockId: string): Promise<string | null>;
  /** Releases only if `holder` still holds it. */
  release(lockId: string, holder: string): Promise<void>;
  /** Takes over a lock held by `stale` (a scan known to be gone). */
  steal(lockId: string, stale: string, holder: string): Promise<boolean>;
}

/** What a failed attempt of a scope's job had read, for the next attempt. */
export interface ScopeProgressStore {
  /** empty when there was none (or it no longer parses) */
  load(scanId: string, scope: Scope): Promise<ScopeProgress>;
  save(scanId: string, scope: Scope, progress: ScopeProgress): Promise<void>;
  clear(scanId: string, scope: Scope): Promise<void>;
}
