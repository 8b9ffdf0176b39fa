// The np.linalg namespace.
export { norm } from "./statistics.js";
