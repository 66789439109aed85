// Test helpers for code built on the informers: polling for a condition, and a logger that keeps its lines.
import { Writable } from 'node:stream';
import winston from 'winston';
import type { InformerHandlers } from '../../../lib/k8s/index.js';
import type { Logger } from '../../../lib/log.js';

export async function eventually<T>(check: () => T, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface LogLine {
  level: string;
  message: string;
  [field: string]: unknown;
}

/** A winston logger whose lines land in `lines`, structured fields included. */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    objectMode: true,
    write(info: LogLine, _encoding, callback) {
      lines.push({ ...info });
      callback();
    },
  });
  return { logger: winston.createLogger({ level: 'debug', transports: [new winston.transports.Stream({ stream })] }), lines };
}

/** Informer handlers that write each callback as a line: "added x", "updated x", "deleted x", "synced n". */
export class Recorder<T> implements InformerHandlers<T> {
  readonly events: string[] = [];
  readonly updates: { object: T; previous: T }[] = [];
  syncs = 0;

  constructor(private readonly key: (object: T) => string) {}

  added(object: T): void {
    this.events.push(`added ${this.key(object)}`);
  }

  updated(object: T, previous: T): void {
    this.events.push(`updated ${this.key(object)}`);
    this.updates.push({ object, previous });
  }

  deleted(object: T): void {
    this.events.push(`deleted ${this.key(object)}`);
  }

  synced(objects: T[]): void {
    this.syncs += 1;
    this.events.push(`synced ${objects.length}`);
  }

  /** The events recorded since `mark` (an earlier length of `events`). */
  since(mark: number): string[] {
    return this.events.slice(mark);
  }
}
