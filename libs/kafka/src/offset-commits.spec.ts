import { OffsetCommits, type PartitionOffset } from './offset-commits';

describe('OffsetCommits', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  function recorder() {
    const commits: PartitionOffset[][] = [];
    const errors: number[] = [];
    const offsets = new OffsetCommits(
      async (batch) => void commits.push(batch),
      1000,
      (_error, count) => errors.push(count),
    );
    return { commits, errors, offsets };
  }

  it('commits the first batch at once, then at most once per interval with the latest offset per partition', async () => {
    const { commits, offsets } = recorder();
    await offsets.done('t', 0, '5');
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '5' }]]);

    await offsets.done('t', 0, '9');
    await offsets.done('t', 1, '3');
    await offsets.done('t', 0, '12');
    expect(commits).toHaveLength(1);

    await jest.advanceTimersByTimeAsync(1000);
    expect(commits[1]).toEqual([
      { topic: 't', partition: 0, offset: '12' },
      { topic: 't', partition: 1, offset: '3' },
    ]);
  });

  it('flush commits what is pending at once (shutdown) and nothing when there is nothing', async () => {
    const { commits, offsets } = recorder();
    await offsets.done('t', 0, '1');
    await offsets.done('t', 2, '7');
    await offsets.flush();
    await offsets.flush();
    expect(commits).toEqual([
      [{ topic: 't', partition: 0, offset: '1' }],
      [{ topic: 't', partition: 2, offset: '7' }],
    ]);
  });

  it('reports a failed commit and carries on (the partitions replay from the last commit)', async () => {
    let fail = true;
    const seen: PartitionOffset[][] = [];
    const errors: number[] = [];
    const offsets = new OffsetCommits(
      async (batch) => {
        seen.push(batch);
        if (fail) throw new Error('REBALANCE_IN_PROGRESS');
      },
      0,
      (_error, count) => errors.push(count),
    );
    await offsets.done('t', 0, '4');
    fail = false;
    await offsets.done('t', 0, '6');
    expect(errors).toEqual([1]);
    expect(seen.at(-1)).toEqual([{ topic: 't', partition: 0, offset: '6' }]);
  });
});
