// JAX's NotImplementedError, raised for primitives with no differentiation or transpose rule.

export class NotImplementedError extends Error {
  override name = "NotImplementedError";
}
