// Videos as local files for ffmpeg and ffprobe: files read in place, inline and http bytes written once per content hash
// into a directory bounded in bytes (least recently used first out, never a file in use).
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, Lru, messageOf } from '@verimesh/kit';
import type { MediaJson } from '@verimesh/proto';
import { loadMedia, localPath } from './load.js';

/** A video to read: a sample's media entry, a local file path, or the bytes themselves. */
export type VideoInput = MediaJson | string | Buffer;

export interface DiskCacheOptions {
  /** Directory for inline/http videos; "" = a fresh one under the OS temp dir (removed by close()). */
  dir: string;
  /** Bytes kept in the directory at most (files in use are never removed). */
  cacheBytes: number;
  /** Largest video accepted. */
  maxBytes: number;
}

interface DiskEntry {
  path: string;
  bytes: number;
  pins: number;
}

/** Local files of videos, and their content hashes (the key of every cache above it). */
export class DiskCache {
  /** Files written by this cache, least recently used first (Map order; a use re-inserts). */
  private readonly disk = new Map<string, DiskEntry>();
  private readonly writing = new Map<string, Promise<DiskEntry>>();
  /** Content hash of each local file version seen: (path, size, mtime) names a version well enough. */
  private readonly fileHashes = new Lru<string, string>(4096);
  private dir: Promise<string> | undefined;
  private ownDir = false;
  /** Bytes of the files in the directory. */
  bytes = 0;

  constructor(private readonly opts: DiskCacheOptions) {}

  private cacheDir(): Promise<string> {
    this.dir ??= (async () => {
      if (this.opts.dir) {
        await mkdir(this.opts.dir, { recursive: true });
        return this.opts.dir;
      }
      this.ownDir = true;
      return mkdtemp(join(tmpdir(), 'verimesh-video-'));
    })();
    return this.dir;
  }

  /**
   * Runs `fn` with a local path of the video (pinned against eviction meanwhile), its sha256 and its size. Files are
   * read in place; inline bytes and http downloads are written to the cache directory under their hash.
   */
  async withLocal<T>(video: VideoInput, field: string, signal: AbortSignal | undefined, fn: (path: string, hash: string, bytes: number) => Promise<T>): Promise<T> {
    if (typeof video === 'string') return this.withFile(video, field, fn);
    const path = Buffer.isBuffer(video) ? undefined : localPath(video, field);
    if (path !== undefined) return this.withFile(path, field, fn);
    const bytes = Buffer.isBuffer(video) ? video : await loadMedia(video, { maxBytes: this.opts.maxBytes, signal, field });
    if (bytes.length > this.opts.maxBytes) throw new InvalidArgumentError(field, `${field} is larger than ${this.opts.maxBytes} bytes`);
    const hash = createHash('sha256').update(bytes).digest('hex');
    let entry = this.disk.get(hash);
    if (entry && !existsSync(entry.path)) {
      this.bytes -= entry.bytes;
      this.disk.delete(hash);
      entry = undefined;
    }
    if (entry) {
      this.disk.delete(hash);
      this.disk.set(hash, entry);
    } else {
      // Concurrent uses of the same bytes share one write: a second writeFile would truncate the file under a reader.
      let write = this.writing.get(hash);
      if (!write) {
        write = this.writeEntry(hash, bytes).finally(() => this.writing.delete(hash));
        this.writing.set(hash, write);
      }
      // Every waiter resumes (and pins below) in the same microtask run that settles the write, before any eviction.
      entry = await write;
    }
    entry.pins++;
    try {
      await this.evict();
      return await fn(entry.path, hash, entry.bytes);
    } finally {
      entry.pins--;
    }
  }

  /** Writes the bytes under a temporary name and renames them into place, so the cache never holds a partial file. */
  private async writeEntry(hash: string, bytes: Buffer): Promise<DiskEntry> {
    const path = join(await this.cacheDir(), `${hash}.video`);
    const part = `${path}.${randomUUID()}.part`;
    try {
      await writeFile(part, bytes);
      await rename(part, path);
    } catch (e) {
      await unlink(part).catch(() => undefined);
      throw e;
    }
    const entry: DiskEntry = { path, bytes: bytes.length, pins: 0 };
    this.disk.set(hash, entry);
    this.bytes += bytes.length;
    return entry;
  }

  private async evict(): Promise<void> {
    for (const [hash, e] of this.disk) {
      if (this.bytes <= this.opts.cacheBytes) break;
      if (e.pins > 0) continue;
      this.disk.delete(hash);
      this.bytes -= e.bytes;
      await unlink(e.path).catch(() => undefined);
    }
  }

  private async withFile<T>(path: string, field: string, fn: (path: string, hash: string, bytes: number) => Promise<T>): Promise<T> {
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      throw new InvalidArgumentError(field, `${field}.uri cannot be read: ${messageOf(e)}`);
    }
    if (!st.isFile()) throw new InvalidArgumentError(field, `${field}.uri is not a file`);
    if (st.size > this.opts.maxBytes) throw new InvalidArgumentError(field, `${field} is larger than ${this.opts.maxBytes} bytes`);
    // Hash each file version once.
    const key = `${path}\0${st.size}\0${st.mtimeMs}`;
    let hash = this.fileHashes.get(key);
    if (!hash) {
      const h = createHash('sha256');
      try {
        for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
      } catch (e) {
        throw new InvalidArgumentError(field, `${field}.uri cannot be read: ${messageOf(e)}`);
      }
      hash = h.digest('hex');
      this.fileHashes.set(key, hash);
    }
    return fn(path, hash, st.size);
  }

  /** Removes the directory if this cache made it. */
  async close(): Promise<void> {
    if (this.dir && this.ownDir) await rm(await this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.disk.clear();
    this.bytes = 0;
  }
}
