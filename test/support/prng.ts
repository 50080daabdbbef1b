/**
 * A small seeded PRNG (mulberry32) for the fuzz suites: the same seed gives the same inputs, so a failing
 * run can be replayed with `FUZZ_SEED=<seed>`. Identifiers that must be unique across runs (event ids,
 * markers) do not come from here; everything about the shape of an input does.
 */
export class Prng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  digits(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += String(Math.floor(this.next() * 10));
    return out;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

/** The seed of this run: `FUZZ_SEED` when set (to replay a failure), else a fixed default. */
export function fuzzSeed(fallback: number): number {
  const fromEnv = process.env.FUZZ_SEED;
  if (fromEnv === undefined || fromEnv === '') return fallback;
  const seed = Number(fromEnv);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${fromEnv}`);
  return seed;
}
