// durable/tenant/rows stableStringify: equal values give equal text whatever
// their key order; different values give different text.
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { stableStringify } from "../../src/durable/tenant/rows.js";
import { int, pick, seeded, shuffle, text } from "./random.js";

type J = null | boolean | number | string | J[] | { [k: string]: J };

function randomJson(r: () => number, depth: number): J {
  const kind = depth <= 0 ? int(r, 0, 3) : int(r, 0, 5);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return pick(r, [0, -1, 1.5, 1e21, int(r, -1000, 1000)]);
    case 3:
      return text(r, 8);
    case 4:
      return Array.from({ length: int(r, 0, 4) }, () => randomJson(r, depth - 1));
    default:
      return Object.fromEntries(
        Array.from({ length: int(r, 0, 5) }, () => [
          pick(r, ["a", "b", "c", "z", "é", "10", "2", ""]),
          randomJson(r, depth - 1),
        ]),
      );
  }
}

/** The same value with every object's keys inserted in a shuffled order. */
function reorder(r: () => number, v: J): J {
  if (Array.isArray(v)) return v.map((x) => reorder(r, x));
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(shuffle(r, Object.keys(v)).map((k) => [k, reorder(r, v[k] as J)]));
}

describe("stableStringify", () => {
  it("sorts keys at every depth", () => {
    expect(stableStringify({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}',
    );
  });

  it("keeps array order, and drops undefined members as JSON does", () => {
    expect(stableStringify([2, 1])).not.toBe(stableStringify([1, 2]));
    expect(stableStringify({ a: 1, b: undefined })).toBe(stableStringify({ a: 1 }));
    expect(stableStringify(undefined)).toBe("null");
    expect(stableStringify("x")).toBe('"x"');
  });

  it("is independent of key order and parses back to the value (seeded)", () => {
    const seed = 99;
    const r = seeded(seed);
    for (let i = 0; i < 1_000; i++) {
      const v = randomJson(r, 4);
      const text1 = stableStringify(v);
      expect(stableStringify(reorder(r, v)), `seed ${seed} case ${i}`).toBe(text1);
      expect(JSON.parse(text1)).toEqual(v);
    }
  });

  it("gives equal text exactly for deeply equal values (seeded)", () => {
    const seed = 5;
    const r = seeded(seed);
    let equalPairs = 0;
    for (let i = 0; i < 1_000; i++) {
      const a = randomJson(r, 2);
      // Half the time a reordered copy, so that equal pairs are common.
      const b = r() < 0.5 ? reorder(r, a) : randomJson(r, 2);
      const same = isDeepStrictEqual(a, b);
      if (same) equalPairs++;
      expect(stableStringify(a) === stableStringify(b), `seed ${seed} case ${i}`).toBe(same);
    }
    expect(equalPairs).toBeGreaterThan(400);
  });
});
