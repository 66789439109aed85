// CLI entry: runs the test API server in its own process (e.g. inside a test network namespace).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { TokenTable } from './authorizer.js';
import { TestApiServer } from './server.js';

const usage = `usage: main.js [--host ADDR] [--port N] [--kubeconfig PATH] [--history N]
                [--bookmark-interval-ms N] [--service-cidr CIDR] [--no-bootstrap]
                [--tls-cert PEM --tls-key PEM] [--tokens JSON-FILE]
--tokens: {"TOKEN": {"user": "...", "rules": [ClusterRole rules]}}; requests without a token are unrestricted.
Prints {"url","kubeconfig","pid"} as one JSON line once listening.
Signals: SIGHUP restarts with reset resourceVersions, SIGUSR2 compacts, SIGTERM/SIGINT stop.`;

function integer(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text)) throw new Error(`--${flag}: "${text}" is not a non-negative integer`);
  return Number(text);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      kubeconfig: { type: 'string' },
      history: { type: 'string' },
      'bookmark-interval-ms': { type: 'string' },
      'service-cidr': { type: 'string' },
      'no-bootstrap': { type: 'boolean', default: false },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      tokens: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const server = await TestApiServer.start({
    host: values.host,
    port: integer(values.port, 'port'),
    historyCapacity: integer(values.history, 'history'),
    bookmarkIntervalMs: integer(values['bookmark-interval-ms'], 'bookmark-interval-ms'),
    serviceCidr: values['service-cidr'],
    bootstrap: !values['no-bootstrap'],
    ...(values['tls-cert'] && values['tls-key']
      ? { tls: { cert: readFileSync(values['tls-cert'], 'utf8'), key: readFileSync(values['tls-key'], 'utf8') } } : {}),
    ...(values.tokens ? { tokens: JSON.parse(readFileSync(values.tokens, 'utf8')) as TokenTable } : {}),
  });
  if (values.kubeconfig) await server.writeKubeconfig(values.kubeconfig);
  // Signals drive the test controls a parent process cannot reach in-process.
  process.on('SIGHUP', () => void server.restart({ resetResourceVersions: true }).catch(fail));
  process.on('SIGUSR2', () => server.compact());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void server.stop().then(() => process.exit(0), fail));
  }
  process.stdout.write(`${JSON.stringify({ url: server.url, kubeconfig: values.kubeconfig ?? null, pid: process.pid })}\n`);
}

function fail(error: unknown): never {
  process.stderr.write(`test apiserver: ${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
  process.exit(1);
}

main().catch(fail);
