import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  K8S_DIR,
  type K8sObject,
  OVERLAYS,
  renderKustomization,
  renderOverlay,
  schemaErrors,
  unknownFieldErrors,
} from './manifests';
import { CONSUMER_APPS, policyErrors, scaleToZeroReasons } from './policy';

// Rendering shells out to kubectl and validation to a child node and the TypeScript compiler: seconds each.
jest.setTimeout(120_000);

const rendered = new Map<string, K8sObject[]>();
const overlay = (name: string) => {
  if (!rendered.has(name)) rendered.set(name, renderOverlay(name));
  return structuredClone(rendered.get(name)!);
};
const find = (objects: K8sObject[], kind: string, name: string) => {
  const object = objects.find((candidate) => candidate.kind === kind && candidate.metadata.name === name);
  if (!object) throw new Error(`${kind}/${name} not rendered`);
  // The tests below break objects on purpose, reaching deep into them: loosely typed on purpose too.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return object as K8sObject & { spec: Record<string, any> };
};

describe.each(OVERLAYS)('deploy/k8s overlay %s', (name) => {
  it('renders with kubectl kustomize, every app and KEDA object present', () => {
    const kinds = overlay(name).map((object) => `${object.kind}/${object.metadata.name}`);
    for (const app of Object.keys(CONSUMER_APPS))
      for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'ScaledObject'])
        expect(kinds).toContain(`${kind}/${app}`);
    expect(kinds).toContain('Job/esoz-notify-migrate');
  });

  it('validates every object against the Kubernetes and KEDA schemas', () => {
    expect(schemaErrors(overlay(name))).toEqual([]);
  });

  it('has no field that the Kubernetes and KEDA types do not declare', () => {
    expect(unknownFieldErrors(overlay(name))).toEqual([]);
  });

  it("keeps the project's rules (probes, security, secrets, scaling, network)", () => {
    expect(policyErrors(overlay(name), name)).toEqual([]);
  });
});

describe('deploy/k8s production specifics', () => {
  it('runs at least two replicas of every app and at most one per partition', () => {
    for (const app of Object.keys(CONSUMER_APPS)) {
      const scaled = find(overlay('production'), 'ScaledObject', app);
      expect([app, scaled.spec.minReplicaCount, scaled.spec.maxReplicaCount]).toEqual([app, 2, 6]);
    }
  });

  it('says next to minReplicaCount why each app never scales to zero', () => {
    for (const [app, reason] of Object.entries(scaleToZeroReasons()))
      expect([app, (reason ?? '').length > 40]).toEqual([app, true]);
  });

  it('scales each app on its own consumer group with its own threshold', () => {
    const groups = Object.keys(CONSUMER_APPS).map((app) =>
      find(overlay('production'), 'ScaledObject', app).spec.triggers.map(
        (trigger: { metadata: { consumerGroup: string } }) => trigger.metadata.consumerGroup,
      ),
    );
    expect(groups.flat()).toEqual([
      'esoz-notify.resolver',
      'esoz-notify.resolver',
      'esoz-notify.viber-sender',
      'esoz-notify.sms-sender',
      'esoz-notify.diia-push-stub',
      'esoz-notify.info-slip-renderer',
    ]);
  });
});

describe('deploy/k8s checks catch broken manifests', () => {
  it('a schema violation (a port name where a number belongs)', () => {
    const objects = overlay('production');
    const deployment = find(objects, 'Deployment', 'sms-sender');
    deployment.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(schemaErrors(objects)).toEqual([
      {
        kind: 'Deployment',
        name: 'sms-sender',
        errors: ['/spec/template/spec/containers/0/ports/0/containerPort must be integer'],
      },
    ]);
  });

  it('a KEDA schema violation and an unknown apiVersion', () => {
    const objects = overlay('production');
    find(objects, 'ScaledObject', 'viber-sender').spec.maxReplicaCount = 'six';
    objects.push({ apiVersion: 'keda.sh/v9', kind: 'ScaledObject', metadata: { name: 'typo' } });
    expect(schemaErrors(objects).map((entry) => [entry.name, entry.errors[0]])).toEqual([
      ['viber-sender', '/spec/maxReplicaCount must be integer'],
      ['typo', 'no schema for keda.sh/v9 ScaledObject'],
    ]);
  });

  it('a misspelt field the schemas would let through', () => {
    const objects = overlay('local');
    const container = find(objects, 'Deployment', 'resolver').spec.template.spec.containers[0];
    container.readinesProbe = container.readinessProbe;
    delete container.readinessProbe;
    const errors = unknownFieldErrors(objects);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'Deployment', name: 'resolver' });
    expect(errors[0].errors[0]).toContain("'\"readinesProbe\"' does not exist in type 'IContainer'");
  });

  it('a secret as a plain value, a missing probe, a root container and too many replicas', () => {
    const objects = overlay('production');
    const pod = find(objects, 'Deployment', 'viber-sender').spec.template.spec;
    pod.containers[0].env.push({ name: 'WEBHOOK_SECRET', value: 'not-in-the-repo-please' });
    delete pod.containers[0].readinessProbe;
    pod.securityContext.runAsNonRoot = false;
    find(objects, 'ScaledObject', 'sms-sender').spec.maxReplicaCount = 12;
    find(objects, 'ScaledObject', 'sms-sender').spec.triggers[0].metadata.consumerGroup = 'esoz-notify.other';
    expect(policyErrors(objects, 'production')).toEqual([
      'Deployment/viber-sender: pod securityContext.runAsNonRoot must be true',
      'Deployment/viber-sender: container viber-sender: WEBHOOK_SECRET must come from a Secret by secretKeyRef',
      'Deployment/viber-sender: readinessProbe must be /health/ready (Postgres and consumer group)',
      'ScaledObject/sms-sender: maxReplicaCount 12 exceeds the 6 partitions',
      'ScaledObject/sms-sender: consumerGroup esoz-notify.other is not esoz-notify.sms-sender',
    ]);
  });

  it('a Secret committed to production and a stub control API exposed by the ingress', () => {
    const objects = overlay('production');
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'esoz-notify-secrets', namespace: 'esoz-notify' },
      data: { 'webhook-secret': Buffer.from('real-secret-value').toString('base64') },
    });
    find(objects, 'Ingress', 'esoz-notify-public').spec.rules[0].http.paths.push({
      path: '/__control',
      pathType: 'Prefix',
      backend: { service: { name: 'diia-push-stub', port: { name: 'http' } } },
    });
    expect(policyErrors(objects, 'production')).toEqual([
      'Secret/esoz-notify-secrets: production holds no Secret: the platform secret store creates it',
      'Secret/esoz-notify-secrets: webhook-secret is not a documented local-mode value: no secret values in the repo',
      'Ingress/esoz-notify-public: /__control → diia-push-stub is not a public endpoint',
    ]);
  });

  it('a kustomization that does not render (a patch for a Deployment that does not exist)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esoz-k8s-'));
    try {
      cpSync(join(K8S_DIR, 'base'), join(dir, 'base'), { recursive: true });
      mkdirOverlay(dir);
      expect(() => renderKustomization(join(dir, 'overlay'))).toThrow(
        /kubectl kustomize .* failed: .*viber-sendr/s,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** An overlay whose patch names a Deployment the base does not have (a renamed app, a typo). */
function mkdirOverlay(dir: string): void {
  cpSync(join(K8S_DIR, 'overlays', 'production', 'namespace.yaml'), join(dir, 'overlay', 'namespace.yaml'));
  writeFileSync(
    join(dir, 'overlay', 'kustomization.yaml'),
    [
      'resources: [namespace.yaml, ../base]',
      'patches:',
      '  - patch: |-',
      '      apiVersion: apps/v1',
      '      kind: Deployment',
      '      metadata: { name: viber-sendr }',
      '      spec: { minReadySeconds: 5 }',
      '',
    ].join('\n'),
  );
}
