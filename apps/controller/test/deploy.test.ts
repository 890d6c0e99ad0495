/** deploy/: the kustomize base agrees with the controller's configuration and the HA model. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { OPTIONS, loadConfig } from '../src/config.js';

const DEPLOY = join(import.meta.dirname, '..', '..', '..', 'deploy');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}

function doc<T>(file: string): T {
  return parse(readFileSync(join(DEPLOY, 'base', file), 'utf8')) as T;
}

describe('deploy/ kustomize base', () => {
  const deployment = doc<{
    spec: {
      replicas: number;
      template: {
        spec: {
          serviceAccountName: string;
          terminationGracePeriodSeconds: number;
          containers: Array<{
            env: EnvVar[];
            livenessProbe: { httpGet: { path: string } };
            readinessProbe: { httpGet: { path: string } };
            resources: { requests: Record<string, string>; limits: Record<string, string> };
            ports: Array<{ containerPort: number }>;
          }>;
        };
      };
    };
  }>('deployment.yaml');
  const container = deployment.spec.template.spec.containers[0]!;
  const env = new Map(container.env.map((e) => [e.name, e]));

  it('runs two replicas with probes, resources, the database secret and the pod name', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.resources.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(container.resources.limits.memory).toBeDefined();
    expect(env.get('DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: 'kontroler-database',
      key: 'url',
    });
    expect(env.get('POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
  });

  it('sets only settings the controller knows, with valid values, and a grace period longer than the drain', () => {
    const known = new Set<string>([...OPTIONS.map((o) => o.env), 'NODE_OPTIONS']);
    for (const name of env.keys()) expect(known, `unknown setting ${name}`).toContain(name);
    const literal = Object.fromEntries(
      [...env.values()].filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
    );
    const result = loadConfig({ ...literal, DATABASE_URL: 'postgres://from-secret' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.shutdownGraceMs).toBeLessThan(
      deployment.spec.template.spec.terminationGracePeriodSeconds * 1000,
    );
    expect(container.ports[0]?.containerPort).toBe(result.config.metricsPort);
  });

  it('keeps one replica through voluntary disruptions and exposes metrics', () => {
    expect(doc<{ kind: string; spec: { minAvailable: number } }>('pdb.yaml')).toMatchObject({
      kind: 'PodDisruptionBudget',
      spec: { minAvailable: 1 },
    });
    const service = doc<{ spec: { ports: Array<{ port: number }> } }>('service.yaml');
    expect(service.spec.ports[0]?.port).toBe(9090);
  });

  it('lists the base, the CRDs and the RBAC in deploy/kustomization.yaml, and every file exists', () => {
    const top = parse(readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    const base = doc<{ resources: string[] }>('kustomization.yaml');
    expect(top.resources).toContain('base');
    for (const r of top.resources) expect(existsSync(join(DEPLOY, r)), r).toBe(true);
    for (const r of base.resources) expect(existsSync(join(DEPLOY, 'base', r)), r).toBe(true);
    expect(top.resources.filter((r) => r.startsWith('crds/'))).toHaveLength(3);
    const serviceAccount = top.resources.find((r) => r.startsWith('rbac/') && /serviceaccount/.test(r));
    const sa = parseAllDocuments(
      readFileSync(join(DEPLOY, serviceAccount ?? 'missing'), 'utf8'),
    )[0]?.toJS() as {
      metadata: { name: string };
    };
    expect(sa.metadata.name).toBe(deployment.spec.template.spec.serviceAccountName);
  });
});
