// `verimesh verifiers`: the catalogue with each verifier's params, reference keys and availability.
import type { Writable } from 'node:stream';
import { messageOf } from '@verimesh/kit';
import type { VerifierInfo } from '@verimesh/proto';
import { createEmbeddedGateway, profilePaths } from './mesh.js';
import { gatewayClient, listRemoteVerifiers, waitReady } from './remote.js';

export interface VerifiersArgs {
  gateway?: string;
  json: boolean;
  profiles?: string;
}

interface Row {
  name: string;
  service: string;
  description: string;
  params: Record<string, string>;
  reference: Record<string, string>;
  available: boolean;
}

function docs(text: string | undefined): Record<string, string> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

function toRow(v: VerifierInfo): Row {
  return {
    name: v.name ?? '',
    service: v.service ?? '',
    description: v.description ?? '',
    params: docs(v.params_json),
    reference: docs(v.reference_json),
    available: Boolean(v.available),
  };
}

/** Plain text: one block per verifier, keys aligned. */
export function formatCatalogue(rows: readonly Row[]): string {
  const out: string[] = [];
  for (const r of [...rows].sort((a, b) => a.name.localeCompare(b.name))) {
    out.push(`${r.name}  [${r.service}]  ${r.available ? 'available' : 'UNAVAILABLE'}`);
    if (r.description) out.push(`  ${r.description}`);
    for (const [title, m] of [
      ['reference', r.reference],
      ['params', r.params],
    ] as const) {
      const keys = Object.keys(m);
      if (!keys.length) continue;
      const w = Math.max(...keys.map((k) => k.length));
      out.push(`  ${title}:`);
      for (const k of keys) out.push(`    ${k.padEnd(w)}  ${m[k]}`);
    }
    out.push('');
  }
  return out.join('\n');
}

export async function verifiersCommand(args: VerifiersArgs, io: { stdout: Writable; stderr: Writable } = process): Promise<number> {
  let infos: VerifierInfo[];
  try {
    if (args.gateway) {
      const client = gatewayClient(args.gateway);
      try {
        await waitReady(client, args.gateway);
        infos = await listRemoteVerifiers(client);
      } finally {
        client.close();
      }
    } else {
      const mesh = await createEmbeddedGateway({
        profiles: profilePaths(args.profiles),
        onMissing: (missing) => {
          for (const [name, why] of missing) io.stderr.write(`verimesh: ${name} is unavailable here: ${why}\n`);
        },
      });
      try {
        infos = await mesh.gateway.listVerifiers();
      } finally {
        await mesh.gateway.close();
      }
    }
  } catch (e) {
    io.stderr.write(`verimesh: cannot list verifiers: ${messageOf(e)}\n`);
    return 1;
  }
  const rows = infos.map(toRow);
  io.stdout.write(args.json ? `${JSON.stringify(rows, null, 2)}\n` : formatCatalogue(rows));
  return 0;
}
