// Loads the bytes of a sample's media (file://, plain path, http(s)://, or inline base64) with a size cap.
import { open, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { MediaJson } from '@verimesh/proto';
import { InvalidArgumentError } from '@verimesh/kit';

export interface LoadMediaOptions {
  /** Refuse anything larger (default 256 MiB). */
  maxBytes?: number;
  signal?: AbortSignal;
  /** Field name used in error messages, e.g. "media[0]". */
  field?: string;
}

/**
 * The media's bytes. Problems are InvalidArgumentError naming the field; whether that is the caller's fault
 * (an input image) or the policy's (an output the policy made) is the verifier's call, per SPEC 4.1.
 */
export async function loadMedia(media: MediaJson, opts: LoadMediaOptions = {}): Promise<Buffer> {
  const field = opts.field ?? 'media';
  const max = opts.maxBytes ?? 256 * 1024 * 1024;
  if (media.data_b64) {
    if (media.data_b64.length * 0.75 > max + 4) throw new InvalidArgumentError(field, `${field}.data_b64 is larger than ${max} bytes`);
    const buf = Buffer.from(media.data_b64, 'base64');
    if (buf.length === 0) throw new InvalidArgumentError(field, `${field}.data_b64 is empty or not base64`);
    return buf;
  }
  const uri = media.uri;
  if (!uri) throw new InvalidArgumentError(field, `${field} has neither uri nor data_b64`);
  if (/^https?:\/\//i.test(uri)) {
    let res: Response;
    try {
      res = await fetch(uri, { signal: opts.signal ?? null });
    } catch (e) {
      throw new InvalidArgumentError(field, `${field}.uri could not be fetched: ${(e as Error).message}`);
    }
    if (!res.ok) throw new InvalidArgumentError(field, `${field}.uri answered HTTP ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > max) throw new InvalidArgumentError(field, `${field}.uri is larger than ${max} bytes`);
    const buf = Buffer.from(await res.arrayBuffer());
    if (buf.length > max) throw new InvalidArgumentError(field, `${field}.uri is larger than ${max} bytes`);
    return buf;
  }
  const path = localPath(media, field)!;
  try {
    const size = (await stat(path)).size;
    if (size > max) throw new InvalidArgumentError(field, `${field}.uri is larger than ${max} bytes`);
    const fh = await open(path, 'r');
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (e) {
    // A directory, a file gone between stat and open, no permission: the caller's path, never an internal error.
    if (e instanceof InvalidArgumentError) throw e;
    throw new InvalidArgumentError(field, `${field}.uri cannot be read: ${(e as Error).message}`);
  }
}

/**
 * The local file path of a file:// or plain-path media, for readers that open files themselves (sharp, ffmpeg);
 * undefined for inline bytes, http(s) and a media with no uri (loadMedia reads or refuses those).
 */
export function localPath(media: MediaJson, field = 'media'): string | undefined {
  const uri = media.uri ?? '';
  if (media.data_b64 || !uri || /^https?:\/\//i.test(uri)) return undefined;
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) throw new InvalidArgumentError(field, `${field}.uri scheme is not supported: ${uri.slice(0, 40)}`);
  return uri;
}

/** The first media of a kind and role, with its index for error messages. */
export function findMedia(media: readonly MediaJson[], kind: MediaJson['kind'], role: 'input' | 'output' = 'input'): { media: MediaJson; field: string } | undefined {
  const i = media.findIndex((m) => m.kind === kind && (m.role ?? 'input') === role);
  return i < 0 ? undefined : { media: media[i]!, field: `media[${i}]` };
}
