// Per-run cgroups (v2 memory.max/pids.max, or the v1 memory and pids controllers) created under the service's own cgroup.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupLimits {
  memoryBytes: number;
  pids: number;
}

/** One run's cgroup: the paths a launcher writes its pid into, then stats and its return to the pool. */
export interface RunCgroup {
  /** cgroup.procs files the sandbox launcher joins (one per hierarchy). */
  procsFiles: string[];
  /** How many processes the memory controller killed in this cgroup since it was handed out (0 when unknown). */
  oomKills(): number;
  /**
   * SIGKILLs every process still in the cgroup; once it is empty (at once, usually) it goes back to the pool for
   * the next run, without the caller waiting. `destroy` resolves when that happened (or the cgroup was removed).
   */
  destroy(): Promise<void>;
}

export interface CgroupManager {
  mode: 'v2' | 'v1';
  /** An empty cgroup with these limits: a pooled one (limits rewritten only when they differ) or a new one. */
  create(name: string, limits: CgroupLimits): RunCgroup;
  dispose(): void;
}

/** The directories of one pooled cgroup (one per hierarchy) and what the pool needs to reuse it. */
interface Slot {
  dirs: string[];
  limits?: CgroupLimits;
}

/**
 * Run cgroups are reused: creating and removing two cgroup directories per run (and waiting for the kernel to let
 * go of a dying run's) cost more than the run of a small test. A slot is handed out only when its cgroup.procs is
 * empty, so no two runs ever share one; the OOM counter is read as a difference from when it was handed out.
 */
function pooled(make: (name: string) => Slot, setLimits: (slot: Slot, limits: CgroupLimits) => void, oomFile: (slot: Slot) => [string, string]): Pick<CgroupManager, 'create'> {
  const free: Slot[] = [];
  let n = 0;
  return {
    create(_name, limits) {
      const slot = free.pop() ?? make(`run-${++n}`);
      if (!slot.limits || slot.limits.memoryBytes !== limits.memoryBytes || slot.limits.pids !== limits.pids) {
        setLimits(slot, limits);
        slot.limits = { ...limits };
      }
      const [file, key] = oomFile(slot);
      const oomBase = readCounter(file, key);
      let released: Promise<void> | undefined;
      return {
        procsFiles: slot.dirs.map((d) => join(d, 'cgroup.procs')),
        oomKills: () => readCounter(file, key) - oomBase,
        destroy: () =>
          (released ??= (async () => {
            if (await emptied(slot.dirs)) free.push(slot);
            else {
              for (const d of slot.dirs) {
                try {
                  rmdirSync(d);
                } catch {
                  /* removed with the tree at exit */
                }
              }
            }
          })()),
      };
    },
  };
}

/** Kills what is left in the cgroups and waits (briefly) until they are empty; false if they never were. */
async function emptied(dirs: string[]): Promise<boolean> {
  for (let attempt = 0; attempt < 50; attempt++) {
    let left = false;
    for (const dir of dirs) {
      let procs = '';
      try {
        procs = readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim();
      } catch {
        return false;
      }
      if (!procs) continue;
      left = true;
      try {
        writeFileSync(join(dir, 'cgroup.kill'), '1');
      } catch {
        killMembers(dir); // v1 (or an older v2) has no cgroup.kill
      }
    }
    if (!left) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
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
  const pool = pooled(
    (name) => {
      const dirs = [join(memRoot, name), join(pidsRoot, name)];
      for (const d of dirs) mkdirSync(d);
      return { dirs };
    },
    ({ dirs: [mem, pids] }, limits) => {
      // Lower the swap limit first when shrinking (memsw must stay >= the memory limit), raise it first when growing.
      const memsw = join(mem!, 'memory.memsw.limit_in_bytes');
      const write = (f: string): void => {
        try {
          writeFileSync(f, String(limits.memoryBytes));
        } catch {
          /* no swap accounting: the plain limit then already bounds RAM */
        }
      };
      write(memsw);
      writeFileSync(join(mem!, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      write(memsw);
      writeFileSync(join(pids!, 'pids.max'), String(limits.pids));
    },
    ({ dirs: [mem] }) => [join(mem!, 'memory.oom_control'), 'oom_kill'],
  );
  return {
    mode: 'v1',
    create: pool.create,
    dispose() {
      removeTreeSync(memRoot);
      removeTreeSync(pidsRoot);
    },
  };
}

function v2Manager(root: string): CgroupManager {
  const pool = pooled(
    (name) => {
      const dir = join(root, name);
      mkdirSync(dir);
      try {
        writeFileSync(join(dir, 'memory.swap.max'), '0');
      } catch {
        /* no swap controller */
      }
      return { dirs: [dir] };
    },
    ({ dirs: [dir] }, limits) => {
      writeFileSync(join(dir!, 'memory.max'), String(limits.memoryBytes));
      writeFileSync(join(dir!, 'pids.max'), String(limits.pids));
    },
    ({ dirs: [dir] }) => [join(dir!, 'memory.events'), 'oom_kill'],
  );
  return {
    mode: 'v2',
    create: pool.create,
    dispose() {
      removeTreeSync(root);
    },
  };
}
