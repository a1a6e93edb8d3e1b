// Per-run cgroups (v2 memory.max/pids.max, or the v1 memory and pids controllers) created under the service's own cgroup.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupLimits {
  memoryBytes: number;
  pids: number;
}

/** One run's cgroup: the paths a launcher writes its pid into, then stats and removal. */
export interface RunCgroup {
  /** cgroup.procs files the sandbox launcher joins (one per hierarchy). */
  procsFiles: string[];
  /** How many processes the memory controller killed in this cgroup so far (0 when the kernel does not say). */
  oomKills(): number;
  /** SIGKILLs every process still in the cgroup, then removes it (retries briefly while processes exit). */
  destroy(): Promise<void>;
}

export interface CgroupManager {
  mode: 'v2' | 'v1';
  create(name: string, limits: CgroupLimits): RunCgroup;
  dispose(): void;
}

function ownCgroupPaths(): Map<string, string> {
  // /proc/self/cgroup lines: "hierarchy-id:controllers:path"; "0::path" is the v2 one.
  const out = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') out.set('', m[3]!);
    for (const c of m[2]!.split(',')) if (c) out.set(c, m[3]!);
  }
  return out;
}

/** The number after `key` in a flat-keyed cgroup file (memory.events, memory.oom_control), or 0. */
function readCounter(file: string, key: string): number {
  try {
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function killMembers(dir: string): void {
  try {
    for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
      if (pid) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
  } catch {
    /* gone */
  }
}

/** Synchronous best effort for process exit: kill what is left in every run cgroup under root, remove them and root. */
function removeTreeSync(root: string): void {
  let children: string[] = [];
  try {
    children = readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(root, e.name));
  } catch {
    return;
  }
  for (const c of children) killMembers(c);
  const until = Date.now() + 500;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (children.length && Date.now() < until) {
    children = children.filter((c) => {
      try {
        rmdirSync(c);
        return false;
      } catch {
        return existsSync(c);
      }
    });
    if (children.length) Atomics.wait(nap, 0, 0, 10);
  }
  try {
    rmdirSync(root);
  } catch {
    /* still in use */
  }
}

async function killAndRemove(dirs: string[]): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    let left = false;
    for (const dir of dirs) {
      if (!existsSync(dir)) continue;
      try {
        writeFileSync(join(dir, 'cgroup.kill'), '1');
      } catch {
        killMembers(dir); // v1 (or an older v2) has no cgroup.kill
      }
      try {
        rmdirSync(dir);
      } catch {
        left = true;
      }
    }
    if (!left) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Finds a cgroup hierarchy where this process may create children with memory and pids limits, or returns
 * undefined (the sandbox then falls back to rlimits). Run cgroups are nested under the service's own cgroup, so
 * the pod's limits still bound them.
 */
export function createCgroupManager(prefix = `verimesh-code-exec-${process.pid}-${Math.random().toString(36).slice(2, 8)}`): { manager?: CgroupManager; reason: string } {
  let own: Map<string, string>;
  try {
    own = ownCgroupPaths();
  } catch (e) {
    return { reason: `cannot read /proc/self/cgroup: ${(e as Error).message}` };
  }
  const reasons: string[] = [];
  // cgroup v1: separate memory and pids hierarchies.
  const memPath = own.get('memory');
  const pidsPath = own.get('pids');
  if (memPath !== undefined && pidsPath !== undefined && existsSync('/sys/fs/cgroup/memory/cgroup.procs') && existsSync('/sys/fs/cgroup/pids/cgroup.procs')) {
    const memRoot = join('/sys/fs/cgroup/memory', memPath, prefix);
    const pidsRoot = join('/sys/fs/cgroup/pids', pidsPath, prefix);
    try {
      mkdirSync(memRoot, { recursive: true });
      mkdirSync(pidsRoot, { recursive: true });
      const probe = join(memRoot, 'probe');
      mkdirSync(probe);
      writeFileSync(join(probe, 'memory.limit_in_bytes'), String(64 << 20));
      rmdirSync(probe);
      return { manager: v1Manager(memRoot, pidsRoot), reason: 'cgroup v1 memory+pids' };
    } catch (e) {
      reasons.push(`cgroup v1: ${(e as Error).message}`);
    }
  }
  // cgroup v2: one hierarchy at /sys/fs/cgroup (pure v2) or /sys/fs/cgroup/unified (hybrid).
  const v2Path = own.get('');
  for (const mount of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    if (v2Path === undefined || !existsSync(join(mount, 'cgroup.controllers'))) continue;
    const parent = join(mount, v2Path);
    try {
      const available = readFileSync(join(parent, 'cgroup.controllers'), 'utf8').split(/\s+/);
      if (!available.includes('memory') || !available.includes('pids')) {
        reasons.push(`cgroup v2 at ${mount}: memory/pids controllers not delegated here`);
        continue;
      }
      const root = join(parent, prefix);
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, 'cgroup.subtree_control'), '+memory +pids');
      return { manager: v2Manager(root), reason: `cgroup v2 at ${mount}` };
    } catch (e) {
      reasons.push(`cgroup v2 at ${mount}: ${(e as Error).message}`);
    }
  }
  return { reason: reasons.join('; ') || 'no writable cgroup hierarchy with memory and pids controllers' };
}

function v1Manager(memRoot: string, pidsRoot: string): CgroupManager {
  return {
    mode: 'v1',
    create(name, limits) {
      const mem = join(memRoot, name);
      const pids = join(pidsRoot, name);
      mkdirSync(mem);
      mkdirSync(pids);
      writeFileSync(join(mem, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      try {
        // Without swap accounting this file is absent; the plain limit then already bounds RAM.
        writeFileSync(join(mem, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
      } catch {
        /* no swap accounting */
      }
      writeFileSync(join(pids, 'pids.max'), String(limits.pids));
      return {
        procsFiles: [join(mem, 'cgroup.procs'), join(pids, 'cgroup.procs')],
        oomKills: () => readCounter(join(mem, 'memory.oom_control'), 'oom_kill'),
        destroy: () => killAndRemove([mem, pids]),
      };
    },
    dispose() {
      removeTreeSync(memRoot);
      removeTreeSync(pidsRoot);
    },
  };
}

function v2Manager(root: string): CgroupManager {
  return {
    mode: 'v2',
    create(name, limits) {
      const dir = join(root, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'memory.max'), String(limits.memoryBytes));
      try {
        writeFileSync(join(dir, 'memory.swap.max'), '0');
      } catch {
        /* no swap controller */
      }
      writeFileSync(join(dir, 'pids.max'), String(limits.pids));
      return {
        procsFiles: [join(dir, 'cgroup.procs')],
        oomKills: () => readCounter(join(dir, 'memory.events'), 'oom_kill'),
        destroy: () => killAndRemove([dir]),
      };
    },
    dispose() {
      removeTreeSync(root);
    },
  };
}
