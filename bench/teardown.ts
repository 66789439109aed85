// Everything a bench section builds is registered here, so that Ctrl-C or a crash still tears it down.

interface Destroyable {
  destroy(): Promise<void>;
}

const live = new Set<Destroyable>();

/** Builds something with `create`, runs `work` on it and destroys it afterwards, even on failure or a signal. */
export async function using<T extends Destroyable, R>(create: () => Promise<T>, work: (thing: T) => Promise<R>): Promise<R> {
  const thing = await create();
  live.add(thing);
  try {
    return await work(thing);
  } finally {
    live.delete(thing);
    await thing.destroy();
  }
}

async function destroyAll(): Promise<void> {
  await Promise.allSettled([...live].map((thing) => thing.destroy()));
  live.clear();
}

/**
 * `on`, not `once`: execa's exit hook (signal-exit) re-raises a signal that no other listener is left to handle,
 * which would kill this process before the sandboxes are gone. A second signal during teardown is ignored.
 */
export function installSignalHandlers(log: (line: string) => void): void {
  let tearingDown = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (tearingDown) return;
      tearingDown = true;
      log(`${signal}: tearing down sandboxes`);
      void destroyAll().finally(() => process.exit(130));
    });
  }
}
