// A small authoritative DNS server on UDP 127.0.0.1 for tests: answers A queries for the names it holds with every
// address set for them (TTL 0), AAAA and other types with no records (NODATA), unknown names NXDOMAIN (RFC 1035).
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

export interface DnsServer {
  /** "127.0.0.1:port": what `dns://…/` takes. */
  address: string;
  /** Sets the A records of a name (an empty list: the name exists with no addresses). */
  set(name: string, ips: readonly string[]): void;
  /** A queries answered so far, per name. */
  queries(name: string): number;
  close(): Promise<void>;
}

function readName(msg: Buffer, at: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = at;
  for (;;) {
    const len = msg[i];
    if (len === undefined) throw new Error('truncated name');
    if (len === 0) return { name: labels.join('.').toLowerCase(), end: i + 1 };
    if (len >= 0xc0) throw new Error('compressed names in questions are not expected');
    labels.push(msg.toString('latin1', i + 1, i + 1 + len));
    i += 1 + len;
  }
}

export async function startDnsServer(): Promise<DnsServer> {
  const zone = new Map<string, readonly string[]>();
  const counts = new Map<string, number>();
  const sock: Socket = createSocket('udp4');
  sock.on('message', (msg, peer) => {
    if (msg.length < 12) return;
    const id = msg.readUInt16BE(0);
    const rd = msg.readUInt16BE(2) & 0x0100;
    let q: { name: string; end: number };
    try {
      q = readName(msg, 12);
    } catch {
      return;
    }
    const qtype = msg.readUInt16BE(q.end);
    const question = msg.subarray(12, q.end + 4);
    const ips = zone.get(q.name);
    const answers = qtype === 1 && ips ? ips : [];
    if (qtype === 1) counts.set(q.name, (counts.get(q.name) ?? 0) + 1);
    const rcode = ips ? 0 : 3; // NOERROR or NXDOMAIN
    const header = Buffer.alloc(12);
    header.writeUInt16BE(id, 0);
    header.writeUInt16BE(0x8000 | 0x0400 | rd | rcode, 2); // QR, AA, RD copied
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const records = answers.map((ip) => {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      rr.writeUInt16BE(1, 2); // A
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(0, 6); // TTL 0: resolve again every time
      rr.writeUInt16BE(4, 10);
      ip.split('.').forEach((o, k) => rr.writeUInt8(Number(o), 12 + k));
      return rr;
    });
    sock.send(Buffer.concat([header, question, ...records]), peer.port, peer.address);
  });
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  return {
    address: `127.0.0.1:${sock.address().port}`,
    set: (name, ips) => zone.set(name.toLowerCase(), [...ips]),
    queries: (name) => counts.get(name.toLowerCase()) ?? 0,
    close: () => new Promise((resolve) => sock.close(() => resolve())),
  };
}
