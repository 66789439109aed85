// A throwaway certificate authority (openssl, EC P-256) for etcd over TLS: server, peer and client certificates.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const openssl = (...args: string[]) => promisify(execFile)('openssl', args);
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface CertificatePair {
  readonly cert: string;
  readonly key: string;
}

export class TestPki {
  private constructor(readonly dir: string) {}

  /** Creates the CA (valid one day) in `dir`. */
  static async create(dir: string): Promise<TestPki> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const pki = new TestPki(dir);
    await openssl('req', '-x509', ...NEW_KEY, '-keyout', pki.file('ca.key'), '-out', pki.ca, '-days', '1', '-subj', '/CN=k8s-ovs test CA');
    return pki;
  }

  get ca(): string {
    return this.file('ca.crt');
  }

  /**
   * A certificate for an etcd member at `ips`: it serves clients and peers and dials its peers (and its own
   * embedded gateway), so it carries both serverAuth and clientAuth.
   */
  server(name: string, ips: readonly string[]): Promise<CertificatePair> {
    return this.issue(name, 'serverAuth,clientAuth', ips.map((ip) => `IP:${ip}`).join(','));
  }

  /** A client certificate, as the daemons, k8s-ovs-adm and etcdctl present it. */
  client(name: string): Promise<CertificatePair> {
    return this.issue(name, 'clientAuth');
  }

  private async issue(name: string, usage: string, subjectAltName?: string): Promise<CertificatePair> {
    const pair = { cert: this.file(`${name}.crt`), key: this.file(`${name}.key`) };
    await openssl('req', ...NEW_KEY, '-keyout', pair.key, '-out', this.file(`${name}.csr`), '-subj', `/CN=k8s-ovs ${name}`);
    const ext = this.file(`${name}.ext`);
    await writeFile(ext, `${subjectAltName ? `subjectAltName=${subjectAltName}\n` : ''}extendedKeyUsage=${usage}\n`);
    await openssl('x509', '-req', '-in', this.file(`${name}.csr`), '-CA', this.ca, '-CAkey', this.file('ca.key'),
      '-CAcreateserial', '-out', pair.cert, '-days', '1', '-extfile', ext);
    return pair;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }
}
