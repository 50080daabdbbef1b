#!/usr/bin/env node
// Validates Kubernetes objects against the Kubernetes and KEDA OpenAPI schemas that the kubernetes-models
// packages ship (compiled JSON-schema validators, so nothing is fetched: it works offline after `npm ci`).
// Input: a JSON array of objects on stdin. Output: a JSON array of { kind, name, errors } on stdout, one per
// object, `errors` empty when valid. An apiVersion/kind with no schema here is an error, never a pass.
// These packages are ESM-only, hence this small .mjs run as a child process by tools/deploy/manifests.ts.
import { Buffer } from 'node:buffer';
import process from 'node:process';

const MODULES = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
};

async function modelFor(apiVersion, kind) {
  const specifier = MODULES[apiVersion];
  if (!specifier) return undefined;
  const module = await import(specifier);
  const model = module[kind];
  return typeof model === 'function' && model.kind === kind && model.apiVersion === apiVersion
    ? model
    : undefined;
}

async function validate(object) {
  const name = object?.metadata?.name ?? '(no name)';
  const kind = object?.kind ?? '(no kind)';
  const Model = await modelFor(object?.apiVersion, object?.kind);
  if (!Model) return { kind, name, errors: [`no schema for ${object?.apiVersion} ${kind}`] };
  try {
    new Model(object).validate();
    return { kind, name, errors: [] };
  } catch (error) {
    const details = Array.isArray(error.errors)
      ? error.errors.map((e) => `${e.instancePath || '/'} ${e.message}`)
      : [String(error.message)];
    return { kind, name, errors: details };
  }
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const objects = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = [];
for (const object of objects) results.push(await validate(object));
process.stdout.write(JSON.stringify(results));
