// A one-layer OCI image archive built from the host's static busybox: the pod sandbox ("pause") image.
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { tarDirectory, writeOciArchive } from '../../scripts/image/oci-archive.js';

/** busybox-static: one self-contained binary, so the image needs no libraries. */
export const BUSYBOX = '/bin/busybox';

export interface OciImageArchive {
  /** The OCI layout as a tar file, for `ctr image import`. */
  file: string;
  /** Full, normalised reference (docker.io/library/NAME:TAG): how the CRI plugin looks images up. */
  reference: string;
}

/** Builds `workDir/<name>-<tag>.tar` whose only process is `busybox sleep`: a sandbox needs nothing else. */
export async function buildSandboxImage(workDir: string, name = 'k8s-ovs-sandbox', tag = 'e2e'): Promise<OciImageArchive> {
  if (!(await stat(BUSYBOX).catch(() => undefined))?.isFile()) throw new Error(`${BUSYBOX} is missing (apt-get install busybox-static)`);
  const reference = `docker.io/library/${name}:${tag}`;
  const root = path.join(workDir, `${name}-image`);
  const rootfs = path.join(root, 'rootfs');
  await rm(root, { recursive: true, force: true });
  for (const dir of ['bin', 'dev', 'proc', 'sys', 'etc', 'tmp']) await mkdir(path.join(rootfs, dir), { recursive: true });
  await copyFile(BUSYBOX, path.join(rootfs, 'bin', 'busybox'));
  const layerTar = path.join(root, 'layer.tar');
  await tarDirectory(rootfs, layerTar);
  const file = path.join(workDir, `${name}-${tag}.tar`);
  await writeOciArchive({ layerTar, reference, out: file, config: { Entrypoint: ['/bin/busybox', 'sleep', '2147483647'], WorkingDir: '/' } });
  await rm(root, { recursive: true, force: true });
  return { file, reference };
}
