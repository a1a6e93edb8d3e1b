// Loads named RewardSpecs (profiles) from YAML or JSON files or directories, validated at load with errors naming file and field.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ConfigError, InvalidArgumentError } from '@verimesh/kit';
import type { RewardSpecJson } from '@verimesh/proto';
import { parse as parseYaml } from 'yaml';
import { compileSpec } from './spec.js';
import { isObject } from './wire.js';

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function filesOf(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new ConfigError('profiles', `profiles: cannot read ${path}: ${(e as Error).message}`);
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => EXTENSIONS.has(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(path, f));
}

/**
 * Reads profile files. A file is either `{profiles: {name: RewardSpec, ...}}` or directly `{name: RewardSpec, ...}`;
 * YAML unless it ends in .json. Every spec is validated as a sample's `reward` would be; a problem throws ConfigError
 * naming the file, the profile and the field. A name defined twice (across files too) is an error.
 */
export function loadProfiles(paths: readonly string[]): Record<string, RewardSpecJson> {
  // Profile names are the user's: a null-prototype object, so that a profile named __proto__ is just a name.
  const out = Object.create(null) as Record<string, RewardSpecJson>;
  const from = new Map<string, string>();
  for (const p of paths) {
    for (const file of filesOf(p)) {
      let doc: unknown;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new ConfigError('profiles', `profiles: cannot read ${file}: ${(e as Error).message}`);
      }
      try {
        doc = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
      } catch (e) {
        throw new ConfigError('profiles', `profiles: ${file} is not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
      }
      if (doc === null || doc === undefined) continue; // an empty file defines nothing
      const map = isObject(doc) && isObject(doc.profiles) ? doc.profiles : doc;
      if (!isObject(map)) throw new ConfigError('profiles', `profiles: ${file} must hold a map of profile name -> RewardSpec (optionally under "profiles:")`);
      for (const [name, spec] of Object.entries(map)) {
        if (from.has(name)) throw new ConfigError('profiles', `profiles: profile "${name}" is defined in both ${from.get(name)} and ${file}`);
        try {
          compileSpec(spec, `profiles.${name}`);
        } catch (e) {
          if (e instanceof InvalidArgumentError) throw new ConfigError('profiles', `profiles: ${file}: ${e.message}`);
          throw e;
        }
        out[name] = spec as RewardSpecJson;
        from.set(name, file);
      }
    }
  }
  return out;
}
