// Printed jaxprs against JAX 0.4.1's text, character for character (shared/jaxpr-format.md).
// JS cannot tell 2.0 from 2: integer-valued numbers are weak int32 and print as the
// array's dtype (`2.0` beside f32), so non-integer floats like 2.5 stand for float literals.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { numpy as np, lax, makeJaxpr } from "../compiler/index.js";

type Fn = (...args: any[]) => unknown;
const f32 = (...shape: number[]) => np.zeros(shape);
const i32 = (...shape: number[]) => np.zeros(shape, { dtype: "int32" });
const bool = (...shape: number[]) => np.zeros(shape, { dtype: "bool" });

function printsAs(fn: Fn, args: unknown[], expected: string): void {
  assert.fixture(String(makeJaxpr(fn)(...args)), expected);
}

test("example 2: elementwise chain with float literals", () => {
  printsAs((x) => np.divide(np.tanh(np.add(np.multiply(x, 2.5), 1)), 3), [f32(3)], `{ lambda ; a:f32[3]. let
    b:f32[3] = mul a 2.5
    c:f32[3] = add b 1.0
    d:f32[3] = tanh c
    e:f32[3] = div d 3.0
  in (e,) }`);
});

test("example 3: x - mean(x, axis=0)", () => {
  printsAs((x) => np.subtract(x, np.mean(x, 0)), [f32(3, 4)], `{ lambda ; a:f32[3,4]. let
    b:f32[4] = reduce_sum[axes=(0,)] a
    c:f32[4] = div b 3.0
    d:f32[1,4] = broadcast_in_dim[broadcast_dimensions=(1,) shape=(1, 4)] c
    e:f32[3,4] = sub a d
  in (e,) }`);
});

test("x - mean(x) on a vector uses the rank-0 mean directly", () => {
  printsAs((x) => x.sub(x.mean()), [f32(4)], `{ lambda ; a:f32[4]. let
    b:f32[] = reduce_sum[axes=(0,)] a
    c:f32[] = div b 4.0
    d:f32[4] = sub a c
  in (d,) }`);
});

test("example 5 without vmap: dot of a matrix and a vector", () => {
  printsAs((x, y) => np.dot(x, y), [f32(3, 4), f32(4)], `{ lambda ; a:f32[3,4] b:f32[4]. let
    c:f32[3] = dot_general[
      dimension_numbers=(((1,), (0,)), ((), ()))
      precision=None
      preferred_element_type=None
    ] a b
  in (c,) }`);
});

test("example 6: a non-scalar constant becomes a constvar, named first", () => {
  const expected = `{ lambda a:f32[3]; b:f32[3]. let
    c:f32[3] = mul b a
    d:f32[3] = add c 1.0
  in (d,) }`;
  printsAs((x) => np.add(np.multiply(x, np.array([1.5, 2, 3])), 1), [f32(3)], expected);
  // an int32 constant is converted to float32 at trace time, leaving one f32 constvar
  printsAs((x) => np.add(np.multiply(x, np.array([1, 2, 3])), 1), [f32(3)], expected);
});

test("one-line jaxprs", () => {
  printsAs((x) => np.sin(x), [f32(3)], "{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b,) }");
  printsAs((x) => np.multiply(np.sin(x), 2.5), [f32(3)], "{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[3] = mul b 2.5 in (c,) }");
  printsAs((x) => np.greater(x, 0.5), [f32(3)], "{ lambda ; a:f32[3]. let b:bool[3] = gt a 0.5 in (b,) }");
  printsAs((x) => np.sum(x, [0, 2]), [f32(2, 3, 4)], "{ lambda ; a:f32[2,3,4]. let b:f32[3] = reduce_sum[axes=(0, 2)] a in (b,) }");
});

test("no equations: `let  in` with two spaces", () => {
  printsAs((x) => x, [f32(3)], "{ lambda ; a:f32[3]. let  in (a,) }");
  printsAs(() => 2.5, [], "{ lambda ; . let  in (2.5,) }");
});

test("an unused output prints as `_` and takes no name", () => {
  printsAs((x) => {
    np.sin(x);
    return np.cos(x);
  }, [f32(3)], "{ lambda ; a:f32[3]. let _:f32[3] = sin a; b:f32[3] = cos a in (b,) }");
  printsAs((x) => {
    np.sin(x);
    const y = np.cos(x);
    np.exp(y);
    return np.multiply(y, 0.5);
  }, [f32(3, 4)], `{ lambda ; a:f32[3,4]. let
    _:f32[3,4] = sin a
    b:f32[3,4] = cos a
    _:f32[3,4] = exp b
    c:f32[3,4] = mul b 0.5
  in (c,) }`);
});

test("multiple outputs", () => {
  printsAs((x) => [np.sin(x), np.cos(x)], [f32(3)], "{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[3] = cos a in (b, c) }");
  printsAs((x, y) => [np.maximum(x, y), np.minimum(x, y)], [f32(3), f32(3)], `{ lambda ; a:f32[3] b:f32[3]. let
    c:f32[3] = max a b
    d:f32[3] = min a b
  in (c, d) }`);
});

test("mean of int32 converts to float32 first", () => {
  printsAs((x) => np.mean(x), [i32(4)], `{ lambda ; a:i32[4]. let
    b:f32[4] = convert_element_type[new_dtype=float32 weak_type=False] a
    c:f32[] = reduce_sum[axes=(0,)] b
    d:f32[] = div c 4.0
  in (d,) }`);
});

test("sum with keepdims expands with broadcast_in_dim", () => {
  printsAs((x) => np.sum(x, 1, { keepdims: true }), [f32(3, 4)], `{ lambda ; a:f32[3,4]. let
    b:f32[3] = reduce_sum[axes=(1,)] a
    c:f32[3,1] = broadcast_in_dim[broadcast_dimensions=(0,) shape=(3, 1)] b
  in (c,) }`);
});

test("argmax along an axis and over the flattened array", () => {
  printsAs((x) => np.argmax(x, 1), [f32(3, 4)], `{ lambda ; a:f32[3,4]. let
    b:i32[3] = argmax[axes=(1,) index_dtype=int32] a
  in (b,) }`);
  printsAs((x) => np.argmax(x), [f32(3, 4)], `{ lambda ; a:f32[3,4]. let
    b:f32[12] = reshape[dimensions=None new_sizes=(12,)] a
    c:i32[] = argmax[axes=(0,) index_dtype=int32] b
  in (c,) }`);
});

test("iota from arange, with the trailing space of an operand-less equation", () => {
  printsAs((x) => np.add(x, np.arange(5)), [i32(5)], `{ lambda ; a:i32[5]. let
    b:i32[5] = iota[dimension=0 dtype=int32 shape=(5,)] 
    c:i32[5] = add a b
  in (c,) }`);
});

test("x[0] is dynamic_slice then squeeze", () => {
  printsAs((x: np.Array) => x.slice(0), [f32(3, 2)], `{ lambda ; a:f32[3,2]. let
    b:f32[1,2] = dynamic_slice[slice_sizes=(1, 2)] a 0 0
    c:f32[2] = squeeze[dimensions=(0,)] b
  in (c,) }`);
});

test("reshape and transpose", () => {
  printsAs((x: np.Array) => x.reshape(2, 6), [f32(3, 4)], `{ lambda ; a:f32[3,4]. let
    b:f32[2,6] = reshape[dimensions=None new_sizes=(2, 6)] a
  in (b,) }`);
  printsAs((x: np.Array) => x.T, [f32(3, 4)], `{ lambda ; a:f32[3,4]. let
    b:f32[4,3] = transpose[permutation=(1, 0)] a
  in (b,) }`);
});

test("expand_dims is broadcast_in_dim", () => {
  printsAs((x) => np.expandDims(x, 0), [f32(3)], `{ lambda ; a:f32[3]. let
    b:f32[1,3] = broadcast_in_dim[broadcast_dimensions=(1,) shape=(1, 3)] a
  in (b,) }`);
});

test("zeros inside a function broadcast a literal", () => {
  printsAs((x) => np.add(x, np.zeros([3])), [f32(3)], `{ lambda ; a:f32[3]. let
    b:f32[3] = broadcast_in_dim[broadcast_dimensions=() shape=(3,)] 0.0
    c:f32[3] = add a b
  in (c,) }`);
});

test("a 0-d fill broadcast to shape () is the fill itself", () => {
  printsAs(() => np.zeros([]), [], "{ lambda ; . let  in (0.0,) }");
  printsAs((x) => np.add(x, np.ones([], { dtype: "int32" })), [i32()], "{ lambda ; a:i32[]. let b:i32[] = add a 1 in (b,) }");
});

test("concatenate", () => {
  printsAs((x, y) => np.concatenate([x, y], 1), [f32(2, 3), f32(2, 1)], `{ lambda ; a:f32[2,3] b:f32[2,1]. let
    c:f32[2,4] = concatenate[dimension=1] a b
  in (c,) }`);
});

test("np.concatenate of more than 16 arrays is a tree of concatenates, as in JAX", () => {
  const cat = (...xs: np.Array[]) => np.concatenate(xs);
  printsAs(cat, Array.from({ length: 17 }, () => f32(1)), `{ lambda ; a:f32[1] b:f32[1] c:f32[1] d:f32[1] e:f32[1] f:f32[1] g:f32[1] h:f32[1]
    i:f32[1] j:f32[1] k:f32[1] l:f32[1] m:f32[1] n:f32[1] o:f32[1] p:f32[1] q:f32[1]. let
    r:f32[16] = concatenate[dimension=0] a b c d e f g h i j k l m n o p
    s:f32[17] = concatenate[dimension=0] r q
  in (s,) }`);
});

test("lax.select is select_n with the false case first", () => {
  printsAs((p, x, y) => lax.select(p, x, y), [bool(3), f32(3), f32(3)], "{ lambda ; a:bool[3] b:f32[3] c:f32[3]. let d:f32[3] = select_n a c b in (d,) }");
});

test("float literals print as Python reprs of the float32 value", () => {
  printsAs((x) => np.multiply(x, 0.1), [f32(3)], "{ lambda ; a:f32[3]. let b:f32[3] = mul a 0.10000000149011612 in (b,) }");
  printsAs((x) => np.add(x, -1e20), [f32(3)], "{ lambda ; a:f32[3]. let b:f32[3] = add a -1.0000000200408773e+20 in (b,) }");
  printsAs((x) => np.multiply(x, 1 / 3), [f32(3)], "{ lambda ; a:f32[3]. let b:f32[3] = mul a 0.3333333432674408 in (b,) }");
  printsAs((x) => np.multiply(x, 1e-5), [f32(3)], "{ lambda ; a:f32[3]. let b:f32[3] = mul a 9.999999747378752e-06 in (b,) }");
  printsAs((x) => np.multiply(x, 1e10), [f32(3)], "{ lambda ; a:f32[3]. let b:f32[3] = mul a 10000000000.0 in (b,) }");
  printsAs((x) => np.add(np.multiply(x, Infinity), NaN), [f32(3)], "{ lambda ; a:f32[3]. let b:f32[3] = mul a inf; c:f32[3] = add b nan in (c,) }");
  printsAs((x) => np.multiply(2.5, x), [f32(3)], "{ lambda ; a:f32[3]. let b:f32[3] = mul 2.5 a in (b,) }");
});

test("int and bool literals", () => {
  printsAs((x) => lax.rem(np.multiply(x, -2), 3), [i32(3)], "{ lambda ; a:i32[3]. let b:i32[3] = mul a -2; c:i32[3] = rem b 3 in (c,) }");
  printsAs((x) => np.logicalNot(np.logicalAnd(x, true)), [bool(3)], "{ lambda ; a:bool[3]. let b:bool[3] = and a True; c:bool[3] = not b in (c,) }");
});

test("astype, integer_pow and pow", () => {
  printsAs((x: np.Array) => x.astype("int32"), [f32(3)], `{ lambda ; a:f32[3]. let
    b:i32[3] = convert_element_type[new_dtype=int32 weak_type=False] a
  in (b,) }`);
  printsAs((x) => [np.power(x, 2), np.power(x, 2.5)], [f32(3)], `{ lambda ; a:f32[3]. let
    b:f32[3] = integer_pow[y=2] a
    c:f32[3] = pow a 2.5
  in (b, c) }`);
  printsAs((x) => np.square(x), [i32(3)], "{ lambda ; a:i32[3]. let b:i32[3] = integer_pow[y=2] a in (b,) }");
});

test("matmul with batch dims, and with a broadcast batch dim and its transpose", () => {
  printsAs((x, y) => np.matmul(x, y), [f32(2, 3, 4), f32(2, 4, 5)], `{ lambda ; a:f32[2,3,4] b:f32[2,4,5]. let
    c:f32[2,3,5] = dot_general[
      dimension_numbers=(((2,), (1,)), ((0,), (0,)))
      precision=None
      preferred_element_type=None
    ] a b
  in (c,) }`);
  printsAs((x, y) => np.matmul(x, y), [f32(3, 4), f32(2, 4, 5)], `{ lambda ; a:f32[3,4] b:f32[2,4,5]. let
    c:f32[3,2,5] = dot_general[
      dimension_numbers=(((1,), (1,)), ((), ()))
      precision=None
      preferred_element_type=None
    ] a b
    d:f32[2,3,5] = transpose[permutation=(1, 0, 2)] c
  in (d,) }`);
});

test("outer is two broadcast_in_dims and a mul", () => {
  printsAs((x, y) => np.outer(x, y), [f32(3), f32(4)], `{ lambda ; a:f32[3] b:f32[4]. let
    c:f32[3,1] = broadcast_in_dim[broadcast_dimensions=(0,) shape=(3, 1)] a
    d:f32[1,4] = broadcast_in_dim[broadcast_dimensions=(1,) shape=(1, 4)] b
    e:f32[3,4] = mul c d
  in (e,) }`);
});

test("softmax", () => {
  printsAs((x) => np.nn.softmax(x), [f32(3)], `{ lambda ; a:f32[3]. let
    b:f32[] = reduce_max[axes=(0,)] a
    c:f32[1] = broadcast_in_dim[broadcast_dimensions=() shape=(1,)] b
    d:f32[1] = stop_gradient c
    e:f32[3] = sub a d
    f:f32[3] = exp e
    g:f32[] = reduce_sum[axes=(0,)] f
    h:f32[1] = broadcast_in_dim[broadcast_dimensions=() shape=(1,)] g
    i:f32[3] = div f h
  in (i,) }`);
});

test("a long chain names variables past z: ba, bb, ...", () => {
  const chain = (x: np.Array) => {
    let y = x;
    for (let i = 0; i < 30; i++) y = np.sin(y);
    return y;
  };
  printsAs(chain, [f32()], `{ lambda ; a:f32[]. let
    b:f32[] = sin a
    c:f32[] = sin b
    d:f32[] = sin c
    e:f32[] = sin d
    f:f32[] = sin e
    g:f32[] = sin f
    h:f32[] = sin g
    i:f32[] = sin h
    j:f32[] = sin i
    k:f32[] = sin j
    l:f32[] = sin k
    m:f32[] = sin l
    n:f32[] = sin m
    o:f32[] = sin n
    p:f32[] = sin o
    q:f32[] = sin p
    r:f32[] = sin q
    s:f32[] = sin r
    t:f32[] = sin s
    u:f32[] = sin t
    v:f32[] = sin u
    w:f32[] = sin v
    x:f32[] = sin w
    y:f32[] = sin x
    z:f32[] = sin y
    ba:f32[] = sin z
    bb:f32[] = sin ba
    bc:f32[] = sin bb
    bd:f32[] = sin bc
    be:f32[] = sin bd
  in (be,) }`);
});

test("a long list of outputs wraps after column 80, indented by 4", () => {
  const many = (x: np.Array) => Array.from({ length: 26 }, () => np.sin(x));
  printsAs(many, [f32()], `{ lambda ; a:f32[]. let
    b:f32[] = sin a
    c:f32[] = sin a
    d:f32[] = sin a
    e:f32[] = sin a
    f:f32[] = sin a
    g:f32[] = sin a
    h:f32[] = sin a
    i:f32[] = sin a
    j:f32[] = sin a
    k:f32[] = sin a
    l:f32[] = sin a
    m:f32[] = sin a
    n:f32[] = sin a
    o:f32[] = sin a
    p:f32[] = sin a
    q:f32[] = sin a
    r:f32[] = sin a
    s:f32[] = sin a
    t:f32[] = sin a
    u:f32[] = sin a
    v:f32[] = sin a
    w:f32[] = sin a
    x:f32[] = sin a
    y:f32[] = sin a
    z:f32[] = sin a
    ba:f32[] = sin a
  in (b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z,
    ba) }`);
});

test("long lists of invars and of operands fill their lines and wrap past column 79", () => {
  const cat = (...xs: np.Array[]) => lax.concatenate([...xs, ...xs], 0);
  printsAs(cat, Array.from({ length: 16 }, () => f32(2)), `{ lambda ; a:f32[2] b:f32[2] c:f32[2] d:f32[2] e:f32[2] f:f32[2] g:f32[2] h:f32[2]
    i:f32[2] j:f32[2] k:f32[2] l:f32[2] m:f32[2] n:f32[2] o:f32[2] p:f32[2]. let
    q:f32[64] = concatenate[dimension=0] a b c d e f g h i j k l m n o p a b c d
      e f g h i j k l m n o p
  in (q,) }`);
});

test("near the boundary: 79 columns stay on one line, 81 break", () => {
  const one = String(makeJaxpr((p: np.Array, x: np.Array, y: np.Array) => lax.select(p, x, y))(bool(3), f32(3), f32(3)));
  assert.is(one.length, 79);
  const broken = String(makeJaxpr((x: np.Array) => x.T)(f32(3, 4)));
  assert.ok(broken.includes("\n"));
});

test.run();
