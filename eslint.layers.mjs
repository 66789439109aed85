// The layering README.md's "Layout" states, as import rules over lib/: what each folder may import.
// ESLint's own no-restricted-imports (typescript-eslint's extension, which also sees `import type`), not a plugin:
// the rules are about folders, so matching the import specifiers suffices, and no import resolver is needed.

/** The packages only one folder may use: it owns that outside effect. */
const OWNERS = { etcd3: 'etcd', '@kubernetes/client-node': 'k8s', execa: 'exec' };

/** Daemon internals: lib/adm reads records and pipeline names, never these. */
const DAEMON_INTERNALS = ['node', 'master', 'daemon', 'cni', 'ipam', 'kube'];

/** lib/*.ts files every layer may use: the logger, caught-error text, the serial queue, the next-fit pool. */
const SHARED = ['log\\.js$', 'errors\\.js$', 'serial-queue\\.js$', 'next-fit\\.js$'];

/** Per folder of lib/: relative imports outside the folder that it may make (a regex of the specifier). */
const LAYERS = {
  net: { only: [], why: 'lib/net is the bottom layer: IPv4 values import nothing else of lib/' },
  exec: { only: [], why: 'lib/exec is the bottom layer: the process runner imports nothing else of lib/' },
  tenant: { only: ['net/', ...SHARED], why: 'lib/tenant knows VNIDs and nothing of OVS, etcd or Kubernetes' },
  ovs: { only: ['exec/', 'net/', ...SHARED], why: 'lib/ovs knows OVS and nothing of Kubernetes, tenants or etcd' },
};

function ownerPatterns(folder) {
  return Object.entries(OWNERS).filter(([, owner]) => owner !== folder).map(([name, owner]) => ({
    regex: `^${name.replace(/[/.]/g, '\\$&')}(/|$)`, message: `only lib/${owner} uses ${name}: call it through that module`,
  }));
}

function layerPatterns(folder) {
  if (folder === 'cniclient') {
    return [{ regex: '^(?!node:|\\./)', message: 'lib/cniclient uses only Node built-ins and its own files, so the plugin starts fast' }];
  }
  if (folder === 'adm') {
    return [{ regex: `^\\.\\./sdn/(${DAEMON_INTERNALS.join('|')})/`,
      message: 'lib/adm reads the records and pipeline names (lib/sdn/*.ts, lib/sdn/pipeline), not daemon internals' }];
  }
  const layer = LAYERS[folder];
  if (!layer) return [];
  const allowed = layer.only.length ? `(?!${layer.only.join('|')})` : '';
  return [{ regex: `^\\.\\./${allowed}`, message: layer.why }];
}

const FOLDERS = ['adm', 'cli', 'cniclient', 'etcd', 'exec', 'host', 'k8s', 'migrate', 'net', 'ovs', 'sdn', 'tenant'];

export const layers = [
  ...FOLDERS.map((folder) => ({
    files: [`lib/${folder}/**/*.ts`, `lib/${folder}/**/*.cts`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...ownerPatterns(folder), ...layerPatterns(folder)] }] },
  })),
  {
    files: ['lib/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: ownerPatterns(undefined) }] },
  },
];
