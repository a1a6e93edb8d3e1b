// code-exec settings: typed options with documented defaults, from flags and VERIMESH_CODE_EXEC_* variables.
import { availableParallelism } from 'node:os';
import { loadConfig, type ConfigOf, type OptionSpec } from '@verimesh/kit';

export const OPTIONS = {
  concurrency: {
    type: 'int', env: 'VERIMESH_CODE_EXEC_CONCURRENCY', flag: 'concurrency', default: availableParallelism(), min: 1,
    doc: 'sandbox runs (compiles, tests, simulations) at once; default: the number of cores',
  },
  queue: {
    type: 'int', env: 'VERIMESH_CODE_EXEC_QUEUE', flag: 'queue', default: 4096, min: 0,
    doc: 'runs that may wait for a slot; beyond it a run is refused (RESOURCE_EXHAUSTED, component status error)',
  },
  pythonZygotes: {
    type: 'int', env: 'VERIMESH_CODE_EXEC_PYTHON_ZYGOTES', flag: 'python-zygotes', default: availableParallelism(), min: 0,
    doc: 'pre-warmed Python zygote sandboxes (0 = every Python test starts a fresh interpreter)',
  },
  zygotePin: {
    type: 'bool', env: 'VERIMESH_CODE_EXEC_ZYGOTE_PIN', flag: 'zygote-pin', default: true,
    doc: 'each shared Python zygote and the runs it serves keep to one CPU (round-robin); off where the CPUs are shared with other workloads and not reserved',
  },
  zygotePreload: {
    type: 'list', env: 'VERIMESH_CODE_EXEC_ZYGOTE_PRELOAD', flag: 'zygote-preload', default: ['numpy'],
    doc: 'modules the Python zygote imports once (comma list; missing ones are skipped)',
  },
  testTimeoutMs: {
    type: 'int', env: 'VERIMESH_CODE_EXEC_TEST_TIMEOUT_MS', flag: 'test-timeout-ms', default: 5000, min: 100, max: 600_000,
    doc: 'default per-test wall-time limit (params.test_timeout_ms overrides, up to maxTestTimeoutMs)',
  },
  maxTestTimeoutMs: {
    type: 'int', env: 'VERIMESH_CODE_EXEC_MAX_TEST_TIMEOUT_MS', flag: 'max-test-timeout-ms', default: 60_000, min: 100,
    doc: 'largest per-test time limit a request may ask for',
  },
  compileTimeoutMs: {
    type: 'int', env: 'VERIMESH_CODE_EXEC_COMPILE_TIMEOUT_MS', flag: 'compile-timeout-ms', default: 30_000, min: 100,
    doc: 'wall-time limit of one compile (gcc, javac, rustc, iverilog, yosys)',
  },
  memoryMb: {
    type: 'int', env: 'VERIMESH_CODE_EXEC_MEMORY_MB', flag: 'memory-mb', default: 1024, min: 32,
    doc: 'memory limit of one test run (cgroup, else RLIMIT_AS)',
  },
  compileMemoryMb: {
    type: 'int', env: 'VERIMESH_CODE_EXEC_COMPILE_MEMORY_MB', flag: 'compile-memory-mb', default: 2048, min: 64,
    doc: 'memory limit of one compile',
  },
  processes: {
    type: 'int', env: 'VERIMESH_CODE_EXEC_PROCESSES', flag: 'processes', default: 64, min: 4,
    doc: 'processes + threads one run may have (cgroup pids.max and RLIMIT_NPROC in its own user namespace)',
  },
  openFiles: { type: 'int', env: 'VERIMESH_CODE_EXEC_OPEN_FILES', flag: 'open-files', default: 256, min: 16, doc: 'RLIMIT_NOFILE of a run' },
  fileSizeMb: { type: 'int', env: 'VERIMESH_CODE_EXEC_FILE_SIZE_MB', flag: 'file-size-mb', default: 64, min: 1, doc: 'RLIMIT_FSIZE: largest file a run may write' },
  tmpfsMb: { type: 'int', env: 'VERIMESH_CODE_EXEC_TMPFS_MB', flag: 'tmpfs-mb', default: 256, min: 8, doc: 'size of each private tmpfs (/work, /tmp)' },
  outputKb: {
    type: 'int', env: 'VERIMESH_CODE_EXEC_OUTPUT_KB', flag: 'output-kb', default: 1024, min: 1,
    doc: 'stdout and stderr kept per run (each); the rest is dropped and the run flagged truncated',
  },
  uid: { type: 'int', env: 'VERIMESH_CODE_EXEC_UID', flag: 'sandbox-uid', default: 65534, min: 1, doc: 'uid (and gid) programs run as when the service runs as root' },
  cgroups: { type: 'bool', env: 'VERIMESH_CODE_EXEC_CGROUPS', flag: 'cgroups', default: true, doc: 'limit memory and processes with per-run cgroups when possible' },
  bwrap: { type: 'string', env: 'VERIMESH_CODE_EXEC_BWRAP', flag: 'bwrap', default: 'bwrap', doc: 'bubblewrap executable' },
  python: { type: 'string', env: 'VERIMESH_CODE_EXEC_PYTHON', flag: 'python', default: 'python3', doc: 'Python interpreter (shims are resolved to the real binary)' },
  node: { type: 'string', env: 'VERIMESH_CODE_EXEC_NODE', flag: 'node', default: 'node', doc: 'Node.js for javascript' },
  gcc: { type: 'string', env: 'VERIMESH_CODE_EXEC_GCC', flag: 'gcc', default: 'gcc', doc: 'C compiler' },
  gxx: { type: 'string', env: 'VERIMESH_CODE_EXEC_GXX', flag: 'gxx', default: 'g++', doc: 'C++ compiler' },
  javac: { type: 'string', env: 'VERIMESH_CODE_EXEC_JAVAC', flag: 'javac', default: 'javac', doc: 'Java compiler (java is taken from the same directory)' },
  rustc: { type: 'string', env: 'VERIMESH_CODE_EXEC_RUSTC', flag: 'rustc', default: 'rustc', doc: 'Rust compiler (a rustup proxy is resolved to its sysroot)' },
  simTimeoutMs: {
    type: 'int', env: 'VERIMESH_CODE_EXEC_SIM_TIMEOUT_MS', flag: 'sim-timeout-ms', default: 10_000, min: 100,
    doc: 'default Verilog simulation wall-time limit (params.sim_timeout_ms overrides)',
  },
  lpWorkers: { type: 'int', env: 'VERIMESH_CODE_EXEC_LP_WORKERS', flag: 'lp-workers', default: 1, min: 1, max: 64, doc: 'HiGHS worker threads (kept warm)' },
  lpTimeoutMs: {
    type: 'int', env: 'VERIMESH_CODE_EXEC_LP_TIMEOUT_MS', flag: 'lp-timeout-ms', default: 10_000, min: 100,
    doc: 'time limit of one LP solve (HiGHS time_limit, and the worker is terminated a little after)',
  },
  lpMaxBytes: {
    type: 'int', env: 'VERIMESH_CODE_EXEC_LP_MAX_BYTES', flag: 'lp-max-bytes', default: 4 << 20, min: 1024,
    doc: 'largest LP/MPS model text accepted; larger scores 0 with status too_large',
  },
} as const satisfies Record<string, OptionSpec>;

export type Config = ConfigOf<typeof OPTIONS>;

export function loadServiceConfig(source: { env?: NodeJS.ProcessEnv; argv?: readonly string[] } = {}): Config {
  return loadConfig(OPTIONS, source);
}
