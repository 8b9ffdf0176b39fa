// What the browser bundle (bundle.mjs) puts in place of the Node built-ins that only pmap's
// device pool and the optional Binaryen tier import. In a browser there is one device (the
// page's thread): jit, eager operations, vmap and grad need nothing from these.

export const availableParallelism = () => 1;
export const cpus = () => [];
export class Worker {
  constructor() {
    throw new Error("wax: pmap over several devices needs worker threads, which the browser bundle does not have yet (one device: the page)");
  }
}
export const MessageChannel = globalThis.MessageChannel;
export const receiveMessageOnPort = () => undefined;
export const workerData = undefined;
export default {};
