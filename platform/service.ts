// What one part of Webalytic (the collector, the projections, the read API) gives the
// process that runs it: request handling, readiness checks and a clean stop. A process
// runs one service (`webalytic collector`, ...) or all of them (`webalytic start`) on
// the same HTTP server, /healthz, /readyz and /metrics included (platform/system.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';

export const SERVICE_NAMES = ['collector', 'projections', 'read-api'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** One readiness condition, asked by GET /readyz. */
export interface ReadinessCheck {
  /** e.g. 'eventStore', 'readStore', 'projections'. */
  name: string;
  /** Resolves with details for the answer when ready; throws (or rejects) when not. */
  check(): Promise<Record<string, unknown> | void>;
  /** Reported in the answer but never makes the service unready (a degraded dependency it can still serve without). */
  advisory?: boolean;
}

export interface Service {
  readonly name: ServiceName;
  /** Tried before Express on every request (the collector's hot path): serves it and returns true, or returns false at once. */
  readonly handle?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Mounts the service's Express routes (after /healthz, /readyz and /metrics, in service order). */
  mount?(app: Express): void;
  readonly readiness: ReadinessCheck[];
  /** Shutdown has begun: end long-lived answers (live event streams) so in-flight requests can finish. */
  beginShutdown?(): void;
  /** Releases what the service opened (the shared stores are closed by the process after every service stopped). */
  stop(): Promise<void>;
}

/** Cleanups run in reverse order of registration, each awaited, every one even if another failed. */
export function createCleanups() {
  const steps: (() => Promise<void> | void)[] = [];
  return {
    add(step: () => Promise<void> | void): void {
      steps.push(step);
    },
    async run(): Promise<void> {
      let failure: unknown;
      for (const step of steps.splice(0).reverse()) {
        try {
          await step();
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure !== undefined) throw failure;
    },
  };
}
