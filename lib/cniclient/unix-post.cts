// One HTTP/1.1 POST over a unix socket on node:net: loading node:http costs every plugin start about 3 ms
// more than node:net, and the daemon's answer is always a status line, headers with Content-Length, a body.
import net from 'node:net';

export interface PostAnswer {
  status: number;
  body: string;
}

/** The socket failed (err.code says how), or the bytes that came back are not an HTTP/1.x answer. */
export class PostError extends Error {
  override name = 'PostError';
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** Sends `body` as `POST path` and resolves with the answer as soon as it is complete. */
export function unixPost(socketPath: string, requestPath: string, body: Buffer): { answer: Promise<PostAnswer>; abort(): void } {
  const socket = net.createConnection(socketPath);
  const answer = new Promise<PostAnswer>((resolve, reject) => {
    let received = Buffer.alloc(0);
    const settle = (final: boolean): void => {
      try {
        const parsed = parseAnswer(received, final);
        if (!parsed) return;
        socket.destroy();
        resolve(parsed);
      } catch (error) {
        socket.destroy();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      settle(false);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => reject(new PostError(err.message, err.code)));
    socket.on('end', () => settle(true));
  });
  const head = `POST ${requestPath} HTTP/1.1\r\nHost: k8s-ovs\r\nContent-Type: application/json\r\n`
    + `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  // Not end(): node:http's server aborts a request whose client half-closes before the answer.
  socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  return { answer, abort: () => socket.destroy() };
}

/**
 * Status and body of an HTTP/1.x response, or undefined while more is to come; `final` says the daemon closed the
 * connection, and an answer cut short then is ECONNRESET, as node:http reports it. The body must be framed by
 * Content-Length (the daemon always sends one).
 */
export function parseAnswer(bytes: Buffer, final: boolean): PostAnswer | undefined {
  const cutShort = (what: string) => {
    if (final) throw new PostError(`the daemon closed the connection ${what}`, 'ECONNRESET');
    return undefined;
  };
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd < 0) return cutShort(`before its answer's headers ended (${bytes.length} bytes)`);
  const [statusLine = '', ...headerLines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
  if (!status) throw new PostError(`not an HTTP/1.x status line: ${JSON.stringify(statusLine.slice(0, 80))}`, 'EPROTO');
  const headers = new Map(headerLines.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as const;
  }));
  const declared = headers.get('content-length');
  if (headers.has('transfer-encoding') || declared === undefined || !/^\d+$/.test(declared)) {
    throw new PostError(`the answer's body is not framed by a Content-Length (${statusLine})`, 'EPROTO');
  }
  const rest = bytes.subarray(headEnd + 4);
  if (rest.length < Number(declared)) return cutShort(`after ${rest.length} of the answer's ${declared} bytes`);
  return { status: Number(status[1]), body: rest.subarray(0, Number(declared)).toString('utf8') };
}
