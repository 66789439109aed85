// Child process: resident memory after importing one module (none, a dependency, or the daemon's entry point).
// `node --expose-gc memory-probe.js [SPEC]` prints {"rssMb","heapUsedMb"}; SPEC "daemon" is lib/sdn/daemon/main.js.
const spec = process.argv[2];
if (spec) await import(spec === 'daemon' ? '../../lib/sdn/daemon/main.js' : spec);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
await new Promise((resolve) => setTimeout(resolve, 300));
gc?.();
const usage = process.memoryUsage();
process.stdout.write(JSON.stringify({ rssMb: usage.rss / 2 ** 20, heapUsedMb: usage.heapUsed / 2 ** 20 }) + '\n');
