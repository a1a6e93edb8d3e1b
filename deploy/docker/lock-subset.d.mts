// Types of lock-subset.mjs (a plain script so that the image build needs no TypeScript).
export interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  optional?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}
export interface PackageLock {
  packages?: Record<string, LockEntry>;
  [key: string]: unknown;
}
export interface LockSubset {
  packageJson: { name: string; version: string; private: true; dependencies: Record<string, string> };
  lock: { name: string; version: string; lockfileVersion: 3; requires: true; packages: Record<string, LockEntry> };
}
export function lockSubset(lock: PackageLock, names: string[]): LockSubset;
