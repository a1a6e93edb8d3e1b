// Lazy start: something expensive (models, sandboxes, a service's start()) made on first use, once, shared by every caller.

/** A started-on-first-use value; call it to get (or start) the value. */
export interface Lazy<T> {
  (): Promise<T>;
  /** The value's promise when a start is under way or done, else undefined (nothing started, or the last start failed). */
  peek(): Promise<T> | undefined;
  /** Forgets the value (to close it and start afresh later); returns what was there. */
  reset(): Promise<T> | undefined;
}

/**
 * Wraps `init` so that it runs on the first call only: concurrent callers share that one attempt, later callers get
 * its value. A failed attempt is forgotten, so the next call tries again (a model server that was down, a toolchain
 * probed too early), and every caller of the failed attempt gets its error.
 */
export function lazy<T>(init: () => T | Promise<T>): Lazy<T> {
  let value: Promise<T> | undefined;
  const get = (): Promise<T> => {
    if (value) return value;
    const attempt = (async () => init())();
    value = attempt;
    attempt.catch(() => {
      if (value === attempt) value = undefined;
    });
    return attempt;
  };
  return Object.assign(get, {
    peek: () => value,
    reset: () => {
      const v = value;
      value = undefined;
      return v;
    },
  });
}
