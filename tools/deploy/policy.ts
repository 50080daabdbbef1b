import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSUMED_TOPICS, Topic, topicSpecs } from '@app/contracts';
import { LOCAL_SECRETS } from '@app/platform';
import { K8S_DIR, type K8sObject, objectName } from './manifests';

/** The consumer apps and the topics each consumes (architecture.md §2), with their public surface. */
export const CONSUMER_APPS: Record<string, { topics: Topic[]; public?: string[] }> = {
  resolver: { topics: [Topic.Person, Topic.NotificationRequested], public: ['/notifications'] },
  'viber-sender': { topics: [Topic.DeliveryViber], public: ['/webhooks/turbosms'] },
  'sms-sender': { topics: [Topic.DeliverySms], public: ['/webhooks/turbosms'] },
  'diia-push-stub': { topics: [Topic.DeliveryDiia] },
  'info-slip-renderer': { topics: [Topic.DeliverySlip], public: ['/slips/'] },
};

/** Partitions per consumed topic (tools/ensure-topics.ts): the upper bound of useful replicas. */
const PARTITIONS = Math.min(
  ...topicSpecs()
    .filter((spec) => (CONSUMED_TOPICS as string[]).includes(spec.topic))
    .map((spec) => spec.partitions),
);

const SECRET_NAME = /TOKEN|SECRET|PASSWORD|KEY|DATABASE_URL/;

type Json = Record<string, unknown>;
const get = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((at, key) => (at as Json | undefined)?.[key], value);
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

interface PodSpec {
  owner: K8sObject;
  spec: Json;
  labels: Record<string, string>;
}

function pods(objects: K8sObject[]): PodSpec[] {
  const out: PodSpec[] = [];
  for (const object of objects) {
    if (object.kind !== 'Deployment' && object.kind !== 'Job') continue;
    const template = get(object, 'spec.template') as Json | undefined;
    out.push({
      owner: object,
      spec: (template?.spec ?? {}) as Json,
      labels: (get(template, 'metadata.labels') ?? {}) as Record<string, string>,
    });
  }
  return out;
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  !!selector &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * The project's own rules for every rendered overlay, beyond the schemas: probes, resources, restricted
 * security context, secrets only by reference, per-app Service/PDB/ScaledObject wired to the right
 * consumer group and topics, the migration Job before the apps, and ingress limited to the public paths.
 * Returns one line per violation (empty: all rules hold).
 */
export function policyErrors(objects: K8sObject[], overlay: string): string[] {
  const errors: string[] = [];
  const fail = (object: Pick<K8sObject, 'kind' | 'metadata'>, message: string) =>
    errors.push(`${objectName(object)}: ${message}`);
  const byKind = (kind: string) => objects.filter((object) => object.kind === kind);

  // ---- namespace -------------------------------------------------------------------------------------
  const [namespace] = byKind('Namespace');
  if (!namespace) errors.push('no Namespace object');
  else {
    if (namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted')
      fail(namespace, 'must enforce the restricted Pod Security Standard');
    for (const object of objects)
      if (object !== namespace && object.metadata.namespace !== namespace.metadata.name)
        fail(object, `not in namespace ${namespace.metadata.name}`);
  }

  // ---- configuration and secrets ---------------------------------------------------------------------
  const config = byKind('ConfigMap').find((object) => object.metadata.name === 'esoz-notify-config');
  const configData = (config?.data ?? {}) as Record<string, string>;
  if (!config) errors.push('no ConfigMap esoz-notify-config');
  for (const map of byKind('ConfigMap'))
    for (const key of Object.keys((map.data ?? {}) as Json))
      if (SECRET_NAME.test(key) && key !== 'KAFKA_PARTITIONS_CONCURRENCY')
        fail(map, `${key} belongs in a Secret`);
  const secrets = byKind('Secret');
  if (overlay === 'production' && secrets.length > 0)
    for (const secret of secrets)
      fail(secret, 'production holds no Secret: the platform secret store creates it');
  const localValues = new Set<string>(Object.values(LOCAL_SECRETS));
  for (const secret of secrets)
    for (const [key, encoded] of Object.entries((secret.data ?? {}) as Record<string, string>)) {
      const value = Buffer.from(encoded, 'base64').toString('utf8');
      const local = localValues.has(value) || value.startsWith('postgres://postgres@');
      if (!local) fail(secret, `${key} is not a documented local-mode value: no secret values in the repo`);
    }
  if (overlay === 'production' && configData.NODE_ENV !== 'production')
    fail(
      config ?? { kind: 'ConfigMap', metadata: { name: 'esoz-notify-config' } },
      'NODE_ENV must be production',
    );

  // ---- pods: security context, probes, resources, secrets by reference ------------------------------
  for (const { owner, spec } of pods(objects)) {
    const podSecurity = (spec.securityContext ?? {}) as Json;
    if (podSecurity.runAsNonRoot !== true) fail(owner, 'pod securityContext.runAsNonRoot must be true');
    if (get(podSecurity, 'seccompProfile.type') !== 'RuntimeDefault')
      fail(owner, 'pod seccompProfile must be RuntimeDefault');
    if (spec.automountServiceAccountToken !== false)
      fail(owner, 'automountServiceAccountToken must be false');
    const tmpVolumes = new Set(
      list(spec.volumes)
        .filter((volume) => volume.emptyDir !== undefined)
        .map((volume) => volume.name as string),
    );
    for (const container of [...list(spec.initContainers), ...list(spec.containers)]) {
      const where = `container ${String(container.name)}`;
      const security = (container.securityContext ?? {}) as Json;
      if (security.allowPrivilegeEscalation !== false)
        fail(owner, `${where}: allowPrivilegeEscalation must be false`);
      if (security.readOnlyRootFilesystem !== true)
        fail(owner, `${where}: readOnlyRootFilesystem must be true`);
      if (!(list(get(security, 'capabilities.drop')) as unknown[]).includes('ALL'))
        fail(owner, `${where}: capabilities must drop ALL`);
      for (const kind of ['requests', 'limits'])
        for (const resource of ['cpu', 'memory'])
          if (get(container, `resources.${kind}.${resource}`) === undefined)
            fail(owner, `${where}: resources.${kind}.${resource} missing`);
      for (const variable of list(container.env)) {
        const name = String(variable.name);
        if (SECRET_NAME.test(name) && get(variable, 'valueFrom.secretKeyRef') === undefined)
          fail(owner, `${where}: ${name} must come from a Secret by secretKeyRef`);
      }
      for (const source of list(container.envFrom))
        if (source.secretRef !== undefined)
          fail(owner, `${where}: envFrom secretRef hides which secrets it reads`);
    }
    const main = list(spec.containers)[0];
    const mountsTmp = list(main?.volumeMounts).some(
      (mount) => mount.mountPath === '/tmp' && tmpVolumes.has(mount.name as string),
    );
    if (!mountsTmp) fail(owner, 'the read-only root needs an emptyDir at /tmp');
  }

  // ---- per consumer app ------------------------------------------------------------------------------
  const prefix = configData.KAFKA_GROUP_PREFIX;
  const deployments = byKind('Deployment');
  for (const [app, expected] of Object.entries(CONSUMER_APPS)) {
    const deployment = deployments.find((object) => object.metadata.name === app);
    if (!deployment) {
      errors.push(`Deployment/${app}: missing`);
      continue;
    }
    const template = get(deployment, 'spec.template') as Json;
    const labels = (get(template, 'metadata.labels') ?? {}) as Record<string, string>;
    const spec = template.spec as Json;
    const [container] = list(spec.containers);
    if (!matches(get(deployment, 'spec.selector.matchLabels') as Record<string, string>, labels))
      fail(deployment, 'selector does not match the pod labels');
    if (get(deployment, 'spec.replicas') !== undefined)
      fail(deployment, 'replicas is owned by the ScaledObject: leave it out');
    if (get(deployment, 'spec.strategy.rollingUpdate.maxUnavailable') !== 0)
      fail(
        deployment,
        'rolling update must keep every replica until the new one is ready (maxUnavailable 0)',
      );
    const probe = (name: string) => get(container, `${name}.httpGet.path`);
    if (probe('startupProbe') === undefined) fail(deployment, 'no startupProbe');
    if (probe('livenessProbe') !== '/health/live') fail(deployment, 'livenessProbe must be /health/live');
    if (probe('readinessProbe') !== '/health/ready')
      fail(deployment, 'readinessProbe must be /health/ready (Postgres and consumer group)');
    const ports = list(container?.ports).map((port) => port.name);
    const waits = list(spec.initContainers).some((init) =>
      JSON.stringify(init.command ?? []).includes('migrate.js","--wait'),
    );
    if (!waits) fail(deployment, 'no init container waiting for the migrations (migrate.js --wait)');

    const services = byKind('Service').filter((service) =>
      matches(get(service, 'spec.selector') as Record<string, string>, labels),
    );
    if (services.length !== 1) fail(deployment, `${services.length} Services select it (want 1)`);
    for (const service of services)
      for (const port of list(get(service, 'spec.ports')))
        if (!ports.includes(port.targetPort as string))
          fail(service, `targetPort ${String(port.targetPort)} is no named port`);
    const pdbs = byKind('PodDisruptionBudget').filter((pdb) =>
      matches(get(pdb, 'spec.selector.matchLabels') as Record<string, string>, labels),
    );
    if (pdbs.length !== 1) fail(deployment, `${pdbs.length} PodDisruptionBudgets select it (want 1)`);

    const scaled = byKind('ScaledObject').filter((object) => get(object, 'spec.scaleTargetRef.name') === app);
    if (scaled.length !== 1) {
      fail(deployment, `${scaled.length} ScaledObjects target it (want 1)`);
      continue;
    }
    const [scaledObject] = scaled;
    const min = get(scaledObject, 'spec.minReplicaCount') as number;
    const max = get(scaledObject, 'spec.maxReplicaCount') as number;
    if (!(min >= 1)) fail(scaledObject, 'minReplicaCount must be at least 1 (durable timers, HTTP)');
    if (!(max <= PARTITIONS))
      fail(scaledObject, `maxReplicaCount ${max} exceeds the ${PARTITIONS} partitions`);
    if (!(max >= min)) fail(scaledObject, 'maxReplicaCount below minReplicaCount');
    const triggers = list(get(scaledObject, 'spec.triggers'));
    const topics = triggers.map((trigger) => get(trigger, 'metadata.topic')).sort();
    if (JSON.stringify(topics) !== JSON.stringify([...expected.topics].sort()))
      fail(
        scaledObject,
        `kafka triggers on ${topics.join(', ')}; the app consumes ${expected.topics.join(', ')}`,
      );
    for (const trigger of triggers) {
      if (trigger.type !== 'kafka') fail(scaledObject, `trigger type ${String(trigger.type)} (want kafka)`);
      const group = get(trigger, 'metadata.consumerGroup');
      if (group !== `${prefix}.${app}`)
        fail(scaledObject, `consumerGroup ${String(group)} is not ${prefix}.${app}`);
      const threshold = Number(get(trigger, 'metadata.lagThreshold'));
      if (!(threshold > 0)) fail(scaledObject, 'lagThreshold must be a positive number');
      if (
        get(trigger, 'metadata.bootstrapServersFromEnv') !== 'KAFKA_BROKERS' &&
        !get(trigger, 'metadata.bootstrapServers')
      )
        fail(scaledObject, 'no bootstrap servers');
    }
  }

  // ---- migrations ------------------------------------------------------------------------------------
  const migration = byKind('Job').find((job) =>
    JSON.stringify(get(job, 'spec.template.spec.containers')).includes('dist/libs/database/src/migrate.js"]'),
  );
  if (!migration) errors.push('no migration Job (node dist/libs/database/src/migrate.js)');

  // ---- network: default deny, public paths only --------------------------------------------------------
  const policies = byKind('NetworkPolicy');
  const denyAll = policies.some(
    (policy) =>
      Object.keys((get(policy, 'spec.podSelector') ?? {}) as Json).length === 0 &&
      list(get(policy, 'spec.policyTypes') as unknown).includes('Ingress' as never) &&
      list(get(policy, 'spec.ingress')).length === 0,
  );
  if (!denyAll) errors.push('no default-deny ingress NetworkPolicy');
  const publicApps = Object.entries(CONSUMER_APPS)
    .filter(([, app]) => app.public)
    .map(([name]) => name)
    .sort();
  const exposed = policies
    .filter((policy) => JSON.stringify(get(policy, 'spec.ingress') ?? []).includes('ingress-nginx'))
    .map(
      (policy) =>
        ((get(policy, 'spec.podSelector.matchLabels') ?? {}) as Record<string, string>)[
          'app.kubernetes.io/name'
        ],
    )
    .sort();
  if (JSON.stringify(exposed) !== JSON.stringify(publicApps))
    errors.push(
      `apps reachable from the ingress controller: ${exposed.join(', ')}; want ${publicApps.join(', ')}`,
    );
  for (const ingress of byKind('Ingress'))
    for (const rule of list(get(ingress, 'spec.rules')))
      for (const path of list(get(rule, 'http.paths'))) {
        const service = get(path, 'backend.service.name') as string;
        const allowed = CONSUMER_APPS[service]?.public ?? [];
        if (!allowed.includes(path.path as string))
          fail(ingress, `${String(path.path)} → ${service} is not a public endpoint`);
      }

  // ---- images ----------------------------------------------------------------------------------------
  if (overlay === 'production')
    for (const { owner, spec } of pods(objects))
      for (const container of [...list(spec.initContainers), ...list(spec.containers)]) {
        const image = String(container.image);
        if (!/^[a-z0-9.-]+\.[a-z]+\/.+:[\w.-]+$/.test(image) || image.endsWith(':latest'))
          fail(owner, `image ${image} must name a registry and a release tag`);
      }
  return errors;
}

/** The base ScaledObjects say, next to minReplicaCount, why the app never scales to zero. */
export function scaleToZeroReasons(): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.keys(CONSUMER_APPS).map((app) => {
      const text = readFileSync(join(K8S_DIR, 'base', app, 'scaledobject.yaml'), 'utf8');
      const match = /#\s*Never zero:([\s\S]*?)\n\s*minReplicaCount:/.exec(text);
      return [
        app,
        match?.[1]
          .replace(/\n\s*#/g, ' ')
          .replace(/\s+/g, ' ')
          .trim(),
      ];
    }),
  );
}
