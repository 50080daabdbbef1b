import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

export const ROOT = join(__dirname, '..', '..');
export const K8S_DIR = join(ROOT, 'deploy', 'k8s');
export const OVERLAYS = ['local', 'production'] as const;

/** A rendered Kubernetes object, loosely typed: the checks below read it field by field. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface ObjectErrors {
  kind: string;
  name: string;
  errors: string[];
}

export const objectName = (object: Pick<K8sObject, 'kind' | 'metadata'>) =>
  `${object.kind}/${object.metadata?.name ?? '?'}`;

/** `kubectl kustomize <dir>`, offline. Throws with kubectl's own message when the kustomization is broken. */
export function renderKustomization(dir: string): K8sObject[] {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: string };
    if (code === 'ENOENT')
      throw new Error('kubectl is not installed: the manifests cannot be rendered (kubectl kustomize)', {
        cause: error,
      });
    throw new Error(`kubectl kustomize ${dir} failed: ${String(stderr ?? error).trim()}`, { cause: error });
  }
  return parseYamlObjects(output);
}

export function renderOverlay(overlay: string): K8sObject[] {
  return renderKustomization(join(K8S_DIR, 'overlays', overlay));
}

export function parseYamlObjects(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(`YAML: ${document.errors[0].message}`);
    const value = document.toJS() as K8sObject | null;
    if (value !== null) objects.push(value);
  }
  return objects;
}

/**
 * Every object against the Kubernetes and KEDA schemas (tools/deploy/validate-k8s.mjs, the kubernetes-models
 * validators): types, required fields, enums and formats. Run as a child process: the models are ESM-only.
 */
export function schemaErrors(objects: K8sObject[]): ObjectErrors[] {
  const result = spawnSync(process.execPath, [join(__dirname, 'validate-k8s.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    cwd: ROOT,
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`validate-k8s.mjs failed: ${result.stderr || result.error}`);
  return (JSON.parse(result.stdout) as ObjectErrors[]).filter((entry) => entry.errors.length > 0);
}

/** The TypeScript interface of each kind (closed types: an unknown or misspelt field is an error). */
const TYPES: Record<string, [module: string, type: string]> = {
  'v1/ConfigMap': ['kubernetes-models/v1/ConfigMap', 'IConfigMap'],
  'v1/Namespace': ['kubernetes-models/v1/Namespace', 'INamespace'],
  'v1/Secret': ['kubernetes-models/v1/Secret', 'ISecret'],
  'v1/Service': ['kubernetes-models/v1/Service', 'IService'],
  'v1/ServiceAccount': ['kubernetes-models/v1/ServiceAccount', 'IServiceAccount'],
  'apps/v1/Deployment': ['kubernetes-models/apps/v1/Deployment', 'IDeployment'],
  'batch/v1/Job': ['kubernetes-models/batch/v1/Job', 'IJob'],
  'policy/v1/PodDisruptionBudget': [
    'kubernetes-models/policy/v1/PodDisruptionBudget',
    'IPodDisruptionBudget',
  ],
  'networking.k8s.io/v1/NetworkPolicy': [
    'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    'INetworkPolicy',
  ],
  'networking.k8s.io/v1/Ingress': ['kubernetes-models/networking.k8s.io/v1/Ingress', 'IIngress'],
  'keda.sh/v1alpha1/ScaledObject': ['@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject', 'IScaledObject'],
};

/**
 * Unknown fields, which the OpenAPI schemas let through (as `kubectl apply` without strict validation
 * would, silently dropping e.g. a misspelt `readinesProbe`): each object becomes a typed object literal in
 * an in-memory TypeScript file and the compiler's excess-property checks report what no type declares.
 */
export function unknownFieldErrors(objects: K8sObject[]): ObjectErrors[] {
  const virtual = join(ROOT, 'tools', 'deploy', '__rendered_manifests__.ts');
  const imports = new Map<string, string>();
  const lines: string[] = [];
  const errors = new Map<number, ObjectErrors>();
  objects.forEach((object, index) => {
    const entry = TYPES[`${object.apiVersion}/${object.kind}`];
    if (!entry) {
      errors.set(index, { kind: object.kind, name: object.metadata?.name, errors: ['no type to check'] });
      return;
    }
    const [module, type] = entry;
    const alias = `T${imports.size}`;
    if (!imports.has(`${module}#${type}`)) imports.set(`${module}#${type}`, alias);
    lines.push(
      `// object ${index}\nexport const o${index}: ${imports.get(`${module}#${type}`)} = ${JSON.stringify(object)};`,
    );
  });
  const header = [...imports].map(([key, alias]) => {
    const [module, type] = key.split('#');
    return `import type { ${type} as ${alias} } from '${module}';`;
  });
  const source = [...header, ...lines].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (file) => (file === virtual ? source : readFile(file));
  host.fileExists = (file) => file === virtual || existsSync(file);
  host.getSourceFile = (file, language, onError) =>
    file === virtual
      ? ts.createSourceFile(file, source, language, true)
      : getSourceFile(file, language, onError);
  const program = ts.createProgram([virtual], options, host);
  const file = program.getSourceFile(virtual)!;
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (diagnostic.file?.fileName !== virtual || diagnostic.start === undefined) {
      throw new Error(`type check of the manifests could not run: ${message}`);
    }
    const { line } = file.getLineAndCharacterOfPosition(diagnostic.start);
    // The object's index is on the comment line above its declaration.
    const declaration = file.text
      .split('\n')
      .slice(0, line + 1)
      .reverse()
      .find((text) => text.startsWith('// object '));
    const index = Number(declaration?.slice('// object '.length));
    const object = objects[index];
    const entry = errors.get(index) ?? { kind: object.kind, name: object.metadata?.name, errors: [] };
    // Only the innermost reason: "Object literal may only specify known properties, and 'x' does not exist".
    entry.errors.push(message.replace(/^.*?(Object literal may only specify known properties)/, '$1'));
    errors.set(index, entry);
  }
  return [...errors.values()];
}
