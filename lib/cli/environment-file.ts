// Reads a systemd environment file (/etc/sysconfig/k8s-ovs) the way systemd's EnvironmentFile= does.

/**
 * `KEY=value` lines into a map. As systemd: blank lines and lines starting with `#` or `;` are skipped,
 * whitespace around the key and value is dropped, a value in double or single quotes loses them (with
 * `\"` and `\\` unescaped inside double quotes), and a line ending in `\` continues on the next one.
 */
export function parseEnvironmentFile(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  const lines = text.replace(/\\\r?\n/g, '').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    entries.set(match[1]!, unquote(match[2]!));
  }
  return entries;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replace(/\\(["\\])/g, '$1');
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  return value;
}
