/** Rate arithmetic shared by the gateway's and the console's limits; pure, no clock, no I/O. */
export { checkRate, gcraLease, type Lease, leaseBlock, type Rate } from "./gcra.js";
export { recent, windowWaitMs, withFailure } from "./window.js";
