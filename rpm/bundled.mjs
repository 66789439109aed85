// What rpm/build.sh needs to know about a staged node_modules tree: its native files and its licences.
// Usage: node rpm/bundled.mjs native NODE_MODULES            (prints native files, one a line)
//        node rpm/bundled.mjs license OWN_LICENSE NODE_MODULES  (prints the package's SPDX expression)
import fs from 'node:fs';
import path from 'node:path';

/** Every file under `dir`, symlinks not followed. */
function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(file);
    else if (entry.isFile()) yield file;
  }
}

/** Every installed package directory, nested ones included. */
function* packages(nodeModules) {
  for (const entry of fs.readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dir = path.join(nodeModules, entry.name);
    if (entry.name.startsWith('@')) {
      yield* packages(dir);
      continue;
    }
    yield dir;
    if (fs.existsSync(path.join(dir, 'node_modules'))) yield* packages(path.join(dir, 'node_modules'));
  }
}

function isElf(file) {
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  const length = fs.readSync(fd, head, 0, 4, 0);
  fs.closeSync(fd);
  return length === 4 && head.toString('latin1') === '\x7fELF';
}

const [command, ...args] = process.argv.slice(2);
if (command === 'native') {
  for (const file of files(args[0])) if (file.endsWith('.node') || isElf(file)) console.log(file);
} else if (command === 'license') {
  const [own, nodeModules] = args;
  const ids = new Set();
  for (const dir of packages(nodeModules)) {
    const { name, license } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const id = typeof license === 'object' && license !== null ? license.type : license;
    if (typeof id !== 'string' || id === '') throw new Error(`${name} (${dir}) declares no license`);
    ids.add(/ OR /.test(id) && !id.startsWith('(') ? `(${id})` : id);
  }
  ids.delete(own);
  console.log([own, ...[...ids].sort()].join(' AND '));
} else {
  throw new Error(`usage: bundled.mjs native NODE_MODULES | license OWN_LICENSE NODE_MODULES (got ${command})`);
}
