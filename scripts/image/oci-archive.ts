// Writes a one-layer OCI image layout as a tar archive: what `ctr images import`, skopeo and registries take.
// Used by scripts/build-image.sh (the node image: `node dist/scripts/image/oci-archive.js --rootfs DIR ...`)
// and test/support/oci-image.ts (the pod sandbox image).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { createGzip } from 'node:zlib';

const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

const GO_ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

/** The process an image runs and how, as the OCI image config's `config` holds it. */
export interface ImageRuntimeConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
}

export interface OciArchiveOptions {
  /** The layer's tar (see tarDirectory). */
  layerTar: string;
  /** Store the layer gzip-compressed (what registries expect); plain tar otherwise, which imports faster. */
  gzip?: boolean;
  /** Full, normalised reference (e.g. docker.io/library/NAME:TAG or localhost/NAME:TAG): what ctr imports it as. */
  reference: string;
  config: ImageRuntimeConfig;
  /** Where the archive goes. */
  out: string;
  /** The image's creation time (RFC 3339); omitted when not given, so the archive depends on its inputs only. */
  created?: string;
}

export function ociArchitecture(arch: NodeJS.Architecture = process.arch): string {
  const name = GO_ARCH[arch];
  if (!name) throw new Error(`no OCI architecture name for Node's ${arch}`);
  return name;
}

interface Blob {
  digest: string;
  size: number;
}

async function writeBlob(layoutDir: string, content: Buffer): Promise<Blob> {
  const hex = createHash('sha256').update(content).digest('hex');
  await writeFile(path.join(layoutDir, 'blobs', 'sha256', hex), content);
  return { digest: `sha256:${hex}`, size: content.length };
}

/** Streams the layer into the layout (gzip level 6, no name or time in its header); returns it and its diff_id. */
async function writeLayerBlob(layoutDir: string, tarFile: string, gzip: boolean): Promise<{ blob: Blob; diffId: string }> {
  const tarHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const partial = path.join(layoutDir, 'blobs', 'layer.partial');
  const source = createReadStream(tarFile);
  source.on('data', (chunk) => tarHash.update(chunk));
  const hashBlob = new PassThrough().on('data', (chunk: Buffer) => blobHash.update(chunk));
  await (gzip ? pipeline(source, createGzip({ level: 6 }), hashBlob, createWriteStream(partial))
    : pipeline(source, hashBlob, createWriteStream(partial)));
  const hex = blobHash.digest('hex');
  await rename(partial, path.join(layoutDir, 'blobs', 'sha256', hex));
  const { size } = await stat(path.join(layoutDir, 'blobs', 'sha256', hex));
  return { blob: { digest: `sha256:${hex}`, size }, diffId: `sha256:${tarHash.digest('hex')}` };
}

/** A deterministic tar of `dir` (sorted names, fixed owner and time): the same tree gives the same bytes. */
export async function tarDirectory(dir: string, out: string, mtime = '@0'): Promise<void> {
  await promisify(execFile)('tar', ['--sort=name', `--mtime=${mtime}`, '--owner=0', '--group=0', '--numeric-owner',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime', '-C', dir, '-cf', out, '.']);
}

/**
 * The archive names the image twice: io.containerd.image.name (the full reference ctr imports under) and
 * the OCI ref.name (the tag), so it imports under the normalised name with no --base-name.
 */
export async function writeOciArchive(options: OciArchiveOptions): Promise<string> {
  const architecture = ociArchitecture();
  const work = await mkdtemp(path.join(path.dirname(options.out), '.oci-'));
  try {
    const layout = path.join(work, 'layout');
    await mkdir(path.join(layout, 'blobs', 'sha256'), { recursive: true });
    const gzipped = options.gzip ?? false;
    // The config names the layer by the digest of its uncompressed tar (diff_id).
    const { blob: layer, diffId } = await writeLayerBlob(layout, options.layerTar, gzipped);
    const config = await writeBlob(layout, Buffer.from(JSON.stringify({
      ...(options.created ? { created: options.created } : {}),
      architecture, os: 'linux', config: options.config,
      rootfs: { type: 'layers', diff_ids: [diffId] },
    })));
    const manifest = await writeBlob(layout, Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: MEDIA.manifest,
      config: { mediaType: MEDIA.config, ...config },
      layers: [{ mediaType: gzipped ? MEDIA.layerGzip : MEDIA.layer, ...layer }],
    })));
    const tag = options.reference.slice(options.reference.lastIndexOf(':') + 1);
    await writeFile(path.join(layout, 'index.json'), JSON.stringify({
      schemaVersion: 2, mediaType: MEDIA.index,
      manifests: [{ mediaType: MEDIA.manifest, ...manifest, platform: { architecture, os: 'linux' },
        annotations: { 'io.containerd.image.name': options.reference, 'org.opencontainers.image.ref.name': tag } }],
    }));
    await writeFile(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await tarDirectory(layout, options.out);
    return manifest.digest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rootfs: { type: 'string' }, reference: { type: 'string' }, out: { type: 'string' },
      config: { type: 'string' }, epoch: { type: 'string', default: '0' }, gzip: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.rootfs || !values.reference || !values.out || !values.config || !/^[0-9]+$/.test(values.epoch)) {
    throw new Error('usage: oci-archive.js --rootfs DIR --reference REF --out FILE --config JSON [--gzip] [--epoch SECONDS]');
  }
  const epoch = Number(values.epoch);
  const layerTar = `${values.out}.layer.tar`;
  try {
    await tarDirectory(values.rootfs, layerTar, `@${epoch}`);
    const digest = await writeOciArchive({ layerTar, gzip: values.gzip, reference: values.reference, out: values.out,
      config: JSON.parse(values.config) as ImageRuntimeConfig, created: new Date(epoch * 1000).toISOString().replace('.000Z', 'Z') });
    process.stdout.write(`${digest}\n`);
  } finally {
    await rm(layerTar, { force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`oci-archive: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
