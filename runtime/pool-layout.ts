// The control block shared by the device pool (pool.ts) and its workers (pool-worker.ts):
// slot 0 holds [pending jobs, spin limit]; slot d (one per worker device) the fields below.

export const SLOT = 64; // int32s per slot
export const PENDING = 0, SPIN_LIMIT = 1; // in slot 0
export const SEQ = 0, CMD = 1, MODULE = 2, NARGS = 3, ABORT_PTR = 4, ARGS = 8, STATUS = 50, READY = 51, CRASH = 52;
export const MAX_ARGS = STATUS - ARGS;
export const CMD_RUN = 1;
export const ST_IDLE = 0, ST_DONE = 1, ST_ERROR = 2, ST_DEAD = 3;
