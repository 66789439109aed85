// Runs inside the sandbox hub (where etcd and the test API server listen): one JSON command per stdin line,
// one JSON answer per stdout line. `{"op":"etcdPut","kvs":[...]}` writes in transactions of 100 puts;
// `{"op":"apiPost","items":[{"path","body"}],"concurrency":N}` creates API objects.
import { createInterface } from 'node:readline';

interface EtcdPut { op: 'etcdPut'; endpoint: string; kvs: Array<{ key: string; value: string }> }
interface ApiPost { op: 'apiPost'; server: string; items: Array<{ path: string; body: unknown }>; concurrency?: number }
type Command = EtcdPut | ApiPost;

/** etcd 3.4's default --max-txn-ops is 128. */
const TXN_SIZE = 100;
const b64 = (text: string) => Buffer.from(text).toString('base64');

async function etcdPut(command: EtcdPut): Promise<number> {
  for (let i = 0; i < command.kvs.length; i += TXN_SIZE) {
    const success = command.kvs.slice(i, i + TXN_SIZE).map((kv) => ({ requestPut: { key: b64(kv.key), value: b64(kv.value) } }));
    const response = await fetch(`${command.endpoint}/v3/kv/txn`, { method: 'POST', body: JSON.stringify({ success }) });
    if (!response.ok) throw new Error(`etcd txn: HTTP ${response.status} ${await response.text()}`);
  }
  return command.kvs.length;
}

async function apiPost(command: ApiPost): Promise<number> {
  let next = 0;
  const errors: string[] = [];
  const worker = async () => {
    while (next < command.items.length) {
      const item = command.items[next++]!;
      const response = await fetch(`${command.server}${item.path}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(item.body),
      });
      if (!response.ok) errors.push(`${item.path}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: command.concurrency ?? 16 }, worker));
  if (errors.length) throw new Error(`${errors.length} of ${command.items.length} creates failed, e.g. ${errors[0]}`);
  return command.items.length;
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const start = performance.now();
  try {
    const command = JSON.parse(line) as Command;
    const count = command.op === 'etcdPut' ? await etcdPut(command) : await apiPost(command);
    process.stdout.write(JSON.stringify({ ok: true, count, ms: performance.now() - start, doneAt: Date.now() }) + '\n');
  } catch (error) {
    process.stdout.write(JSON.stringify({ ok: false, error: (error as Error).message, doneAt: Date.now() }) + '\n');
  }
}
