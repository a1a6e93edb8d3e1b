// Progress output: plain count lines off a terminal, a bar with percent and ETA on one; ETA text by hand.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Progress, duration } from './progress.js';

function sink(tty: boolean): Writable & { isTTY: boolean; text: string } {
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      w.text += chunk.toString();
      cb();
    },
  }) as Writable & { isTTY: boolean; text: string };
  w.isTTY = tty;
  w.text = '';
  return w;
}

describe('Progress', () => {
  it('prints plain count lines when not a terminal', () => {
    const s = sink(false);
    const p = new Progress(10, { stream: s, intervalMs: -1 });
    p.tick();
    p.tick();
    expect(s.text.split('\n').filter(Boolean).pop()).toMatch(/^progress: 2\/10 {2}\S+\/s {2}ETA \S+$/);
    p.finish();
    expect(s.text.endsWith('\n')).toBe(true);
  });
  it('redraws a bar in place on a terminal and ends the line at finish', () => {
    const s = sink(true);
    const p = new Progress(4, { stream: s, intervalMs: -1 });
    p.tick();
    p.tick();
    expect(s.text).toMatch(/\r\[#+\.+\] {2}50% 2\/4/);
    p.finish();
    expect(s.text.endsWith('\n')).toBe(true);
  });
  it('stays silent when disabled', () => {
    const s = sink(true);
    const p = new Progress(4, { stream: s, intervalMs: -1, enabled: false });
    p.tick();
    p.finish();
    expect(s.text).toBe('');
  });
  it('formats durations', () => {
    expect(duration(0.2)).toBe('1s');
    expect(duration(59)).toBe('59s');
    expect(duration(125)).toBe('2m05s');
    expect(duration(3 * 3600 + 7 * 60)).toBe('3h07m');
  });
});
