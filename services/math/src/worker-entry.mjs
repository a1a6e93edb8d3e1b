// Entry of a math worker thread (plain JS so that it starts under any loader): registers tsx, then runs worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
