#!/usr/bin/env node
// Writes a package.json + package-lock.json holding only the named packages and their dependency closure, copied
// from the repository's lock (same versions, same integrity hashes), so that `npm ci` can install exactly them.
// Used by the service images to add tsx (a root devDependency) next to a service's production dependencies.
// Usage: node deploy/docker/lock-subset.mjs <root package-lock.json> <out dir> <package>...
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The lock entries (keyed by install path) that `names` need at run time, optional platform packages included. */
export function lockSubset(lock, names) {
  const packages = lock.packages ?? {};
  const picked = {};
  // Node's lookup: node_modules of the requiring package first, then each parent's, then the top level.
  const locate = (from, name) => {
    for (let base = from; ; ) {
      const key = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (packages[key]) return key;
      if (!base) return undefined;
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const visit = (from, name, optional) => {
    const key = locate(from, name);
    if (!key) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || 'the root'}) is not in the lock`);
    }
    if (picked[key]) return;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = packages[key];
    if (entry.link) throw new Error(`${name} is a workspace link, not a registry package`);
    picked[key] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(key, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(key, dep, true);
  };
  const dependencies = {};
  for (const name of names) {
    visit('', name, false);
    dependencies[name] = packages[`node_modules/${name}`].version;
  }
  const root = { name: 'verimesh-lock-subset', version: '0.0.0', private: true, dependencies };
  return {
    packageJson: root,
    lock: { name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages: { '': root, ...picked } },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [lockPath, outDir, ...names] = process.argv.slice(2);
  if (!lockPath || !outDir || names.length === 0) {
    process.stderr.write('usage: lock-subset.mjs <package-lock.json> <out dir> <package>...\n');
    process.exit(2);
  }
  const { packageJson, lock } = lockSubset(JSON.parse(readFileSync(lockPath, 'utf8')), names);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
  writeFileSync(join(outDir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
}
