// The built-in text.format verifier (placeholder while the real one is written).
import type { VerifierDef } from '@verimesh/kit';

export const formatVerifier: VerifierDef = {
  name: 'text.format',
  description: 'text.format',
  params: {},
  reference: {},
  verify() {
    return { score: 0, detail: 'not implemented yet' };
  },
};
