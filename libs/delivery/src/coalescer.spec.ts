import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  it('hands the first item over at once and batches what arrives while it is handled', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const coalescer = new Coalescer<number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = coalescer.submit(1);
    await Promise.resolve();
    const rest = [coalescer.submit(2), coalescer.submit(3), coalescer.submit(4)];
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects exactly the submits of a failed batch and keeps going', async () => {
    const coalescer = new Coalescer<string>(async (items) => {
      if (items.includes('bad')) throw new Error('batch failed');
    });
    const bad = coalescer.submit('bad');
    await expect(bad).rejects.toThrow('batch failed');
    await expect(coalescer.submit('good')).resolves.toBeUndefined();
  });

  it('never hands over more than the maximum batch', async () => {
    const sizes: number[] = [];
    const coalescer = new Coalescer<number>(async (items) => void sizes.push(items.length), 2);
    await Promise.all([1, 2, 3, 4, 5].map((item) => coalescer.submit(item)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
    expect(sizes.reduce((a, b) => a + b)).toBe(5);
  });
});

describe('Coalescer with concurrency', () => {
  it('runs up to that many batches at once and reports when all is done', async () => {
    let running = 0;
    let most = 0;
    const coalescer = new Coalescer<number>(
      async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
      },
      1,
      3,
    );
    for (let item = 0; item < 10; item++) void coalescer.submit(item);
    expect(coalescer.backlog).toBe(10);
    await coalescer.idle();
    expect(most).toBe(3);
    expect(coalescer.backlog).toBe(0);
  });
});
