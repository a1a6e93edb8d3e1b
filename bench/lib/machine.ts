// Benchmark helper: the machine facts every RESULTS file records (nproc, lscpu model name, Node, date, load).
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  date: string;
  loadavg: string;
}

export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const line = execFileSync('lscpu', { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('Model name'));
    if (line) cpu = line.replace(/Model name:\s*/, '').trim();
  } catch {
    // no lscpu: os.cpus() names the model too
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // no nproc: os.cpus() counts the cores
  }
  return { nproc, cpu, node: process.version, date: new Date().toISOString(), loadavg: loadavg().map((x) => x.toFixed(2)).join(' ') };
}

/** One line: `Machine: nproc 2, AMD EPYC; Node v20…; <date>; load average a b c`. */
export function machineLine(m: Machine = machine()): string {
  return `Machine: nproc ${m.nproc}, ${m.cpu}; Node ${m.node}; ${m.date}; load average ${m.loadavg}`;
}
