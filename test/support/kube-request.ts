// One HTTP request to the test API server, run inside the hub netns: `node kube-request.js METHOD URL < body`.
// A PATCH is a JSON merge patch.
const [method, url] = process.argv.slice(2);
const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const body = Buffer.concat(chunks).toString();
const response = await fetch(url!, {
  method: method!,
  headers: { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' },
  ...(body ? { body } : {}),
});
process.stdout.write(await response.text());
process.exitCode = response.ok ? 0 : 1;
