// The built-in text.length verifier (placeholder while the real one is written).
import type { VerifierDef } from '@verimesh/kit';

export const lengthVerifier: VerifierDef = {
  name: 'text.length',
  description: 'text.length',
  params: {},
  reference: {},
  verify() {
    return { score: 0, detail: 'not implemented yet' };
  },
};
