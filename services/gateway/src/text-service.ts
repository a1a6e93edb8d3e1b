// The gateway's built-in text verifiers (text.exact, text.numeric, text.format, text.length) as one in-process service.
import type { ServiceDef } from '@verimesh/kit';
import { exactVerifier } from './verifiers/exact.js';
import { formatVerifier } from './verifiers/format.js';
import { lengthVerifier } from './verifiers/length.js';
import { numericVerifier } from './verifiers/numeric.js';

/** The text verifiers need no network and no state: the gateway runs them in-process, no RPC hop. */
export function createTextService(): ServiceDef {
  return {
    name: 'gateway',
    version: '0.1.0',
    verifiers: [exactVerifier, numericVerifier, formatVerifier, lengthVerifier],
    // Pure CPU work measured in microseconds: a large lane count only adds scheduling overhead.
    concurrency: 16,
  };
}
