// A one-layer OCI image archive built from the host's static busybox: the pod sandbox ("pause") image.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './sandbox/process.js';

/** busybox-static: one self-contained binary, so the image needs no libraries. */
export const BUSYBOX = '/bin/busybox';

export interface OciImageArchive {
  /** The OCI layout as a tar file, for `ctr image import`. */
  file: string;
  /** Full, normalised reference (docker.io/library/NAME:TAG): how the CRI plugin looks images up. */
  reference: string;
}

const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

const GO_ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

interface Blob {
  digest: string;
  size: number;
}

async function writeBlob(layoutDir: string, content: Buffer): Promise<Blob> {
  const hex = createHash('sha256').update(content).digest('hex');
  await writeFile(path.join(layoutDir, 'blobs', 'sha256', hex), content);
  return { digest: `sha256:${hex}`, size: content.length };
}

/**
 * Builds `workDir/<name>-<tag>.tar` whose only process is `busybox sleep`: a sandbox needs nothing else.
 * The archive names the image twice: io.containerd.image.name (the full reference ctr imports under)
 * and the OCI ref.name (the tag), so it imports under the normalised name with no --base-name.
 */
export async function buildSandboxImage(workDir: string, name = 'k8s-ovs-sandbox', tag = 'e2e'): Promise<OciImageArchive> {
  const architecture = GO_ARCH[process.arch];
  if (!architecture) throw new Error(`no OCI architecture name for Node's ${process.arch}`);
  if (!(await stat(BUSYBOX).catch(() => undefined))?.isFile()) throw new Error(`${BUSYBOX} is missing (apt-get install busybox-static)`);
  const reference = `docker.io/library/${name}:${tag}`;
  const root = path.join(workDir, `${name}-image`);
  const rootfs = path.join(root, 'rootfs');
  const layout = path.join(root, 'layout');
  await rm(root, { recursive: true, force: true });
  for (const dir of ['bin', 'dev', 'proc', 'sys', 'etc', 'tmp']) await mkdir(path.join(rootfs, dir), { recursive: true });
  await copyFile(BUSYBOX, path.join(rootfs, 'bin', 'busybox'));
  await mkdir(path.join(layout, 'blobs', 'sha256'), { recursive: true });

  const layerFile = path.join(root, 'layer.tar');
  await run('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', rootfs, '-cf', layerFile, '.']);
  const layer = await writeBlob(layout, await readFile(layerFile));
  const config = await writeBlob(layout, Buffer.from(JSON.stringify({
    architecture, os: 'linux',
    config: { Entrypoint: ['/bin/busybox', 'sleep', '2147483647'], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  })));
  const manifest = await writeBlob(layout, Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.manifest,
    config: { mediaType: MEDIA.config, ...config },
    layers: [{ mediaType: MEDIA.layer, ...layer }],
  })));
  await writeFile(path.join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.index,
    manifests: [{ mediaType: MEDIA.manifest, ...manifest, platform: { architecture, os: 'linux' },
      annotations: { 'io.containerd.image.name': reference, 'org.opencontainers.image.ref.name': tag } }],
  }));
  await writeFile(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const file = path.join(workDir, `${name}-${tag}.tar`);
  await run('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', layout, '-cf', file, '.']);
  await rm(root, { recursive: true, force: true });
  return { file, reference };
}
