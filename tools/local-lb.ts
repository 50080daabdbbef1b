import { RoundRobinProxy } from './lib/round-robin-proxy';

/**
 * `node dist/tools/local-lb.js <port> <upstream,ports> [name]`: the local stand-in for an app's Kubernetes
 * Service when `npm start` runs several replicas of it (scripts/start.sh, REPLICAS=app=n).
 */
async function main(): Promise<void> {
  const [listen, upstreams, name = 'app'] = process.argv.slice(2);
  const ports = (upstreams ?? '')
    .split(',')
    .map(Number)
    .filter((port) => port > 0);
  if (!Number(listen) || ports.length === 0) {
    console.error('usage: local-lb <port> <upstream,ports> [name]');
    process.exit(2);
  }
  const proxy = new RoundRobinProxy(ports);
  await proxy.listen(Number(listen));
  console.log(JSON.stringify({ msg: `${name} load balancer`, port: Number(listen), upstreams: ports }));
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => {
      console.log(
        JSON.stringify({
          msg: `${name} load balancer stopping`,
          forwarded: Object.fromEntries(proxy.forwarded),
        }),
      );
      void proxy.close().then(() => process.exit(0));
    });
}

void main();
