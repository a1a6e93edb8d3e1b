// One replica process of the test vision-iou service (fixtures.ts) for cluster tests and benchmarks, started the way a
// pod starts a service: the kit's runMain (flags --host, --port, --metrics-port, --max-in-flight; a ReadyMessage over IPC).
import { runMain } from '@verimesh/kit';
import { testService } from './fixtures.js';

void runMain('vision-iou', {}, () => testService().service);
