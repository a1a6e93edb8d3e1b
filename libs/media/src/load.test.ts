import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findMedia, loadMedia, localPath } from './load.js';

describe('loadMedia', () => {
  const dir = mkdtempSync(join(tmpdir(), 'media-'));
  const file = join(dir, 'a.bin');
  writeFileSync(file, Buffer.from([1, 2, 3]));

  it('reads base64, file:// URIs and plain paths', async () => {
    expect([...(await loadMedia({ kind: 'image', data_b64: Buffer.from([9, 8]).toString('base64') }))]).toEqual([9, 8]);
    expect([...(await loadMedia({ kind: 'image', uri: pathToFileURL(file).href }))]).toEqual([1, 2, 3]);
    expect([...(await loadMedia({ kind: 'image', uri: file }))]).toEqual([1, 2, 3]);
  });

  it('reads http URIs from a loopback server', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/ok') res.end(Buffer.from([7, 7]));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      expect([...(await loadMedia({ kind: 'image', uri: `http://127.0.0.1:${port}/ok` }))]).toEqual([7, 7]);
      await expect(loadMedia({ kind: 'image', uri: `http://127.0.0.1:${port}/missing` }, { field: 'media[2]' })).rejects.toThrow(/media\[2\]\.uri answered HTTP 404/);
    } finally {
      server.close();
    }
  });

  it('names the field on every failure', async () => {
    await expect(loadMedia({ kind: 'image' }, { field: 'media[1]' })).rejects.toThrow(/media\[1\] has neither uri nor data_b64/);
    await expect(loadMedia({ kind: 'image', uri: join(dir, 'nope') })).rejects.toThrow(/media\.uri cannot be read/);
    await expect(loadMedia({ kind: 'image', uri: 'ftp://x/y' })).rejects.toThrow(/scheme is not supported/);
    await expect(loadMedia({ kind: 'image', uri: file }, { maxBytes: 2 })).rejects.toThrow(/larger than 2 bytes/);
    // A directory passes stat and fails at the read: still the caller's field, never an internal error.
    await expect(loadMedia({ kind: 'image', uri: dir }, { field: 'media[0]' })).rejects.toThrow(/media\[0\]\.uri cannot be read/);
  });

  it('gives the local path of file:// and plain-path media only', () => {
    expect(localPath({ kind: 'image', uri: pathToFileURL(file).href })).toBe(file);
    expect(localPath({ kind: 'image', uri: file })).toBe(file);
    expect(localPath({ kind: 'image', uri: 'http://127.0.0.1/x' })).toBeUndefined();
    expect(localPath({ kind: 'image', uri: file, data_b64: 'AQI=' })).toBeUndefined();
    expect(localPath({ kind: 'image' })).toBeUndefined();
    expect(() => localPath({ kind: 'image', uri: 'ftp://x/y' })).toThrow(/scheme is not supported/);
  });

  it('finds media by kind and role', () => {
    const list = [
      { kind: 'image' as const, role: 'input' as const, uri: 'a' },
      { kind: 'image' as const, role: 'output' as const, uri: 'b' },
    ];
    expect(findMedia(list, 'image', 'output')?.field).toBe('media[1]');
    expect(findMedia(list, 'video')).toBeUndefined();
  });
});
