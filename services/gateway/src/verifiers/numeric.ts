// The built-in text.numeric verifier (placeholder while the real one is written).
import type { VerifierDef } from '@verimesh/kit';

export const numericVerifier: VerifierDef = {
  name: 'text.numeric',
  description: 'text.numeric',
  params: {},
  reference: {},
  verify() {
    return { score: 0, detail: 'not implemented yet' };
  },
};
