// The retry decision lives beside the task machine (src/task/retry.ts); this
// path stays for the code and tests that import it from the scheduler.
export * from "../task/retry.js";
