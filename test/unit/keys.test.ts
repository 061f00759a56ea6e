// auth/keys: the `oos.<tenant>.<key id>.<secret>` format, hashing, comparison.
import { describe, expect, it } from "vitest";
import {
  formatKey,
  newKeyId,
  newSecret,
  newTenantId,
  parseKey,
  randomHex,
  sha256Hex,
  timingSafeEqual,
} from "../../src/auth/keys.js";
import { int, pick, seeded } from "./random.js";

const fresh = () => ({ tenantId: newTenantId(), keyId: newKeyId(), secret: newSecret() });

describe("formatKey / parseKey", () => {
  it("round-trips generated keys", () => {
    for (let i = 0; i < 200; i++) {
      const k = fresh();
      const raw = formatKey(k);
      expect(raw).toMatch(/^oos\.[0-9a-f]{16}\.[0-9a-f]{12}\.[0-9a-f]{64}$/);
      expect(parseKey(raw)).toEqual(k);
    }
  });

  it("rejects keys of the wrong shape", () => {
    const { tenantId: t, keyId: k, secret: s } = fresh();
    for (const raw of [
      "",
      "oos",
      `oos.${t}.${k}`,
      `oos.${t}.${k}.${s}.extra`,
      `OOS.${t}.${k}.${s}`,
      `xyz.${t}.${k}.${s}`,
      `oos.${t.slice(1)}.${k}.${s}`,
      `oos.${t}0.${k}.${s}`,
      `oos.${t}.${k.slice(1)}.${s}`,
      `oos.${t}.${k}.${s.slice(1)}`,
      `oos.${t.toUpperCase().replace(/[0-9]/g, "A")}.${k}.${s}`,
      `oos.${t}.${k}.${s.slice(0, -1)}g`,
      ` oos.${t}.${k}.${s}`,
      `oos..${k}.${s}`,
    ]) {
      expect(parseKey(raw), raw).toBeNull();
    }
  });

  it("rejects any single character replaced by a non-hex one (seeded)", () => {
    const seed = 1234;
    const r = seeded(seed);
    const raw = formatKey(fresh());
    for (let i = 0; i < 500; i++) {
      const at = int(r, 4, raw.length - 1); // past "oos."
      if (raw[at] === ".") continue;
      const bad = raw.slice(0, at) + pick(r, ["g", "G", "A", "-", " ", "é", "."]) + raw.slice(at + 1);
      expect(parseKey(bad), `seed ${seed} case ${i}: ${bad}`).toBeNull();
    }
  });
});

describe("randomHex and ids", () => {
  it("gives 2 hex chars per byte and does not repeat", () => {
    expect(randomHex(8)).toMatch(/^[0-9a-f]{16}$/);
    expect(newTenantId()).toHaveLength(16);
    expect(newKeyId()).toHaveLength(12);
    expect(newSecret()).toHaveLength(64);
    expect(new Set(Array.from({ length: 100 }, () => newSecret())).size).toBe(100);
  });
});

describe("sha256Hex and timingSafeEqual", () => {
  it("hashes to the standard SHA-256 test vectors", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(await sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("compares equal strings equal and everything else not", () => {
    expect(timingSafeEqual("", "")).toBe(true);
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "ab")).toBe(false);
    expect(timingSafeEqual("bbc", "abc")).toBe(false);
  });
});
