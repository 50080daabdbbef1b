import { Subject } from 'rxjs';
import { ConsumerMembership } from './consumer-membership';

describe('ConsumerMembership', () => {
  let now = 0;
  const clock = () => now;

  it('is ready only between a group join and a crash, stop or silence', () => {
    const status = new Subject<string>();
    let rebalances = 0;
    const membership = new ConsumerMembership(6000, 10_000, () => rebalances++, clock);
    membership.followStatus('esoz-notify.sms-sender', status);
    expect(membership.snapshot()).toMatchObject({ joined: false, reason: 'not started' });
    status.next('connected');
    expect(membership.snapshot()).toMatchObject({ joined: true, groupId: 'esoz-notify.sms-sender' });

    // A short rebalance keeps the replica ready; one longer than the rebalance timeout does not.
    status.next('rebalancing');
    now += 2000;
    expect(membership.snapshot().joined).toBe(true);
    now += 9000;
    expect(membership.snapshot()).toMatchObject({ joined: false });
    expect(membership.snapshot().reason).toMatch(/^rebalancing for/);
    status.next('connected');
    expect(membership.snapshot().joined).toBe(true);
    expect(rebalances).toBe(1);

    // No heartbeat for longer than the session timeout: the coordinator has dropped us.
    now += 7000;
    expect(membership.snapshot()).toMatchObject({ joined: false });
    expect(membership.snapshot().reason).toMatch(/^no heartbeat for/);

    status.next('connected');
    status.next('crashed');
    expect(membership.snapshot()).toMatchObject({ joined: false, reason: 'crashed', assigned: {} });
    membership.close();
  });

  it('an app without a consumer is always a member (nothing to wait for)', () => {
    expect(new ConsumerMembership(6000, 10_000).snapshot()).toMatchObject({
      consuming: false,
      joined: true,
    });
  });
});
