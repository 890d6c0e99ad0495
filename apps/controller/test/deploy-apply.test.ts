/**
 * Every kustomization under deploy/ rendered (test/support/kustomize.ts) and checked: names, namespaces,
 * selectors against labels, Service target ports and probe ports against container ports, probe paths
 * against what the API and the controller serve, the API's configuration and its rightless account. Then
 * every rendered object is server-side applied to a real kube-apiserver, as a dry run and then for real
 * (nothing here needs a kubelet: the Deployments are stored, no pod is scheduled), with strict field
 * validation, so a broken manifest fails CI. SubjectAccessReviews prove what the service accounts may do.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type {
  V1Container,
  V1Deployment,
  V1PodDisruptionBudget,
  V1Service,
  V1ServiceAccount,
  V1SubjectAccessReview,
} from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, loadConfig as loadApiConfig } from '@kontroler/api';
import type { KubeClient } from '@kontroler/k8s-runtime';
import { startHealthServer } from '../src/health.js';
import { describeK8s } from './support/env.js';
import { manifestId, renderKustomization, type Manifest } from './support/kustomize.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DEPLOY = join(ROOT, 'deploy');
const API_MAIN = 'apps/api/dist/main.js';
const CONTROLLER_MAIN = 'apps/controller/dist/main.js';

/** Folders under deploy/ that hold a kustomization.yaml. */
function kustomizations(dir: string): string[] {
  const here = readdirSync(dir).includes('kustomization.yaml') ? [dir] : [];
  const below = readdirSync(dir)
    .map((entry) => join(dir, entry))
    .filter((path) => statSync(path).isDirectory())
    .flatMap(kustomizations);
  return [...here, ...below];
}

const renders = kustomizations(DEPLOY).map((dir) => ({
  name: relative(ROOT, dir),
  objects: renderKustomization(dir, ROOT),
}));

const ofKind = <T>(objects: readonly Manifest[], kind: string): T[] =>
  objects.filter((o) => o.kind === kind) as unknown as T[];

const selects = (
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>>,
) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const templateLabels = (d: V1Deployment): Record<string, string> => d.spec?.template.metadata?.labels ?? {};
const containers = (d: V1Deployment): V1Container[] => d.spec?.template.spec?.containers ?? [];
const runs = (d: V1Deployment, main: string): boolean =>
  containers(d).some((c) => (c.command ?? []).includes(main));

/** The container port a Service or probe names (by name or number), if the container has it. */
function portOf(container: V1Container, port: string | number | undefined): number | undefined {
  const match = (container.ports ?? []).find((p) =>
    typeof port === 'number' ? p.containerPort === port : p.name === port,
  );
  return match?.containerPort;
}

function deployment(name: string, main: string): V1Deployment {
  const production = renders.find((r) => r.name === 'deploy/overlays/production');
  const found = ofKind<V1Deployment>(production?.objects ?? [], 'Deployment').find((d) => runs(d, main));
  if (!found) throw new Error(`${name} Deployment missing from deploy/overlays/production`);
  return found;
}

describe('deploy/ kustomizations, rendered', () => {
  it('finds the top-level, base, API and production kustomizations, each rendering', () => {
    expect(renders.map((r) => r.name)).toEqual(
      expect.arrayContaining(['deploy', 'deploy/base', 'deploy/api', 'deploy/overlays/production']),
    );
    for (const render of renders) expect(render.objects.length, render.name).toBeGreaterThan(0);
  });

  for (const render of renders) {
    describe(render.name, () => {
      const deployments = ofKind<V1Deployment>(render.objects, 'Deployment');

      it('puts every namespaced object in a namespace the render creates, when it creates one', () => {
        const namespaces = new Set(ofKind<Manifest>(render.objects, 'Namespace').map((n) => n.metadata.name));
        const clusterScoped = new Set([
          'Namespace',
          'CustomResourceDefinition',
          'ClusterRole',
          'ClusterRoleBinding',
          'ValidatingWebhookConfiguration',
        ]);
        for (const object of render.objects) {
          if (clusterScoped.has(object.kind)) {
            expect(object.metadata.namespace, manifestId(object)).toBeUndefined();
            continue;
          }
          expect(object.metadata.namespace, manifestId(object)).toEqual(expect.any(String));
          if (namespaces.size > 0)
            expect(namespaces, manifestId(object)).toContain(object.metadata.namespace);
        }
      });

      it('selects each Deployment’s own pods, as non-root with a read-only root filesystem and resources', () => {
        for (const d of deployments) {
          const id = d.metadata?.name;
          expect(selects(d.spec?.selector.matchLabels, templateLabels(d)), `${id} selector`).toBe(true);
          expect(d.spec?.replicas, id).toBe(2);
          expect(d.spec?.template.spec?.securityContext?.runAsNonRoot, id).toBe(true);
          for (const c of containers(d)) {
            expect(c.securityContext?.readOnlyRootFilesystem, `${id}/${c.name}`).toBe(true);
            expect(c.securityContext?.allowPrivilegeEscalation, `${id}/${c.name}`).toBe(false);
            expect(c.resources?.requests?.memory, `${id}/${c.name}`).toBeDefined();
            expect(c.resources?.limits?.memory, `${id}/${c.name}`).toBeDefined();
            for (const probe of [c.livenessProbe, c.readinessProbe]) {
              expect(portOf(c, probe?.httpGet?.port), `${id}/${c.name} probe port`).toBeDefined();
            }
          }
        }
      });

      it('points every Service and PodDisruptionBudget at a Deployment, and Service ports at container ports', () => {
        for (const service of ofKind<V1Service>(render.objects, 'Service')) {
          const id = service.metadata?.name;
          const targets = deployments.filter((d) => selects(service.spec?.selector, templateLabels(d)));
          expect(targets, `${id} selects no Deployment`).not.toHaveLength(0);
          for (const port of service.spec?.ports ?? []) {
            for (const d of targets) {
              const found = containers(d).some((c) => portOf(c, port.targetPort ?? port.port) !== undefined);
              expect(found, `${id} port ${port.name}: targetPort ${String(port.targetPort)}`).toBe(true);
            }
          }
        }
        for (const pdb of ofKind<V1PodDisruptionBudget>(render.objects, 'PodDisruptionBudget')) {
          const targets = deployments.filter((d) =>
            selects(pdb.spec?.selector?.matchLabels, templateLabels(d)),
          );
          expect(targets, `${pdb.metadata?.name} protects no Deployment`).toHaveLength(1);
          expect(pdb.spec?.minAvailable).toBeLessThan(targets[0]?.spec?.replicas ?? 0);
        }
      });

      it('ships the ServiceAccount each Deployment uses, when it ships service accounts', () => {
        const accounts = new Set(
          ofKind<V1ServiceAccount>(render.objects, 'ServiceAccount').map((s) => s.metadata?.name),
        );
        if (accounts.size === 0) return;
        for (const d of deployments)
          expect(accounts, d.metadata?.name).toContain(d.spec?.template.spec?.serviceAccountName);
      });
    });
  }

  it('gives the production overlay both Deployments, every CRD and the RBAC, with a pinned image', () => {
    const production = renders.find((r) => r.name === 'deploy/overlays/production')?.objects ?? [];
    const crds = readdirSync(join(DEPLOY, 'crds')).length;
    expect(ofKind(production, 'CustomResourceDefinition')).toHaveLength(crds);
    expect(ofKind(production, 'ClusterRole')).toHaveLength(1);
    expect(ofKind(production, 'RoleBinding')).toHaveLength(1);
    expect(ofKind(production, 'ServiceAccount')).toHaveLength(2);
    const images = ofKind<V1Deployment>(production, 'Deployment').flatMap((d) =>
      containers(d).map((c) => c.image),
    );
    expect(images).toHaveLength(2);
    for (const image of images) expect(image).toMatch(/^ghcr\.io\/kontroler\/kontroler:(?!latest$)[\w.-]+$/);
    // Everything the top-level kustomization applies, the production overlay applies too.
    const ids = new Set(production.map(manifestId));
    for (const object of renders.find((r) => r.name === 'deploy')?.objects ?? []) {
      expect(ids, manifestId(object)).toContain(manifestId(object));
    }
  });

  it('configures the API as it starts in production: no tasks on its host, the port the probes use', () => {
    const api = deployment('API', API_MAIN);
    const container = containers(api)[0];
    if (!container) throw new Error('no API container');
    const literal = Object.fromEntries(
      (container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]),
    );
    const fromSecrets = (container.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name);
    expect(fromSecrets.sort()).toEqual(['DATABASE_URL', 'JWT_SECRET']);
    const config = loadApiConfig(
      { ...literal, DATABASE_URL: 'postgres://from-secret/db', JWT_SECRET: 'y'.repeat(48) },
      ROOT,
    );
    expect(config).toMatchObject({
      env: 'production',
      runtime: { mode: 'none', allowProcess: false, production: true },
    });
    expect(portOf(container, 'http')).toBe(config.port);
    // The probes ask for paths the API serves.
    const paths = Object.keys(buildOpenApiDocument().paths);
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(paths).toContain(probe?.httpGet?.path);
    }
  });

  it('gives the API a ServiceAccount without a token and without any binding', () => {
    const api = deployment('API', API_MAIN);
    const name = api.spec?.template.spec?.serviceAccountName;
    expect(name).toBe('kontroler-api');
    expect(api.spec?.template.spec?.automountServiceAccountToken).toBe(false);
    for (const render of renders) {
      const account = ofKind<V1ServiceAccount>(render.objects, 'ServiceAccount').find(
        (s) => s.metadata?.name === name,
      );
      if (account) expect(account.automountServiceAccountToken).toBe(false);
      for (const binding of [
        ...ofKind<Manifest>(render.objects, 'RoleBinding'),
        ...ofKind<Manifest>(render.objects, 'ClusterRoleBinding'),
      ]) {
        const subjects = (binding as unknown as { subjects?: Array<{ name: string }> }).subjects ?? [];
        expect(
          subjects.map((s) => s.name),
          manifestId(binding),
        ).not.toContain(name);
      }
    }
  });

  it('probes paths the controller’s health server answers', async () => {
    const controller = deployment('controller', CONTROLLER_MAIN);
    const container = containers(controller)[0];
    const server = await startHealthServer({ port: 0, registry: new Registry(), checks: {} });
    try {
      for (const probe of [container?.livenessProbe, container?.readinessProbe]) {
        const response = await fetch(`http://127.0.0.1:${server.port}${probe?.httpGet?.path ?? '/missing'}`);
        expect(response.status, probe?.httpGet?.path).toBe(200);
      }
    } finally {
      await server.close();
    }
  });

  it('documents every Secret the Deployments read in the root README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const production = renders.find((r) => r.name === 'deploy/overlays/production')?.objects ?? [];
    const refs = ofKind<V1Deployment>(production, 'Deployment').flatMap((d) =>
      containers(d).flatMap((c) =>
        (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : [])),
      ),
    );
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) {
      expect(readme).toContain(`secret generic ${ref.name}`);
      expect(readme).toContain(`--from-literal=${ref.key}=`);
    }
  });
});

/** Kind order for applying: what others depend on first (as kubectl apply -k orders them). */
const ORDER = [
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Secret',
  'ConfigMap',
  'Service',
];
const rank = (kind: string): number => (ORDER.includes(kind) ? ORDER.indexOf(kind) : ORDER.length);

/** Resolves an object's REST path through the apiserver's discovery (so an unknown kind fails). */
function discovery(admin: KubeClient): (object: Manifest) => Promise<string> {
  const cache = new Map<string, Promise<Array<{ name: string; kind: string; namespaced: boolean }>>>();
  return async (object) => {
    const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    let list = cache.get(base);
    if (!list) {
      list = admin
        .request<{ resources: Array<{ name: string; kind: string; namespaced: boolean }> }>('GET', base)
        .then((r) => r.resources.filter((res) => !res.name.includes('/')));
      cache.set(base, list);
    }
    const resource = (await list).find((r) => r.kind === object.kind);
    if (!resource)
      throw new Error(
        `${manifestId(object)}: the apiserver serves no ${object.kind} in ${object.apiVersion}`,
      );
    const ns = object.metadata.namespace;
    if (resource.namespaced !== (ns !== undefined))
      throw new Error(`${manifestId(object)}: namespace does not fit its scope`);
    return `${base}${ns === undefined ? '' : `/namespaces/${ns}`}/${resource.name}/${object.metadata.name}`;
  };
}

describeK8s('deploy/ on the real apiserver', (plane) => {
  it('server-side applies every object of every kustomization: a dry run, then for real', async () => {
    const { admin } = plane();
    const pathOf = discovery(admin);
    const all = renders
      .flatMap((render) => render.objects.map((object) => ({ render: render.name, object })))
      .sort((a, b) => rank(a.object.kind) - rank(b.object.kind));
    for (const { render, object } of all) {
      const path = await pathOf(object);
      for (const dryRun of [true, false]) {
        try {
          await admin.request('PATCH', path, {
            body: object,
            contentType: 'application/apply-patch+yaml',
            query: {
              fieldManager: 'kontroler-deploy-test',
              force: true,
              fieldValidation: 'Strict',
              ...(dryRun ? { dryRun: 'All' } : {}),
            },
          });
        } catch (error) {
          throw new Error(`${render}: ${manifestId(object)}${dryRun ? ' (dry run)' : ''}: ${String(error)}`, {
            cause: error,
          });
        }
      }
    }
    const api = await admin.request<V1Deployment>(
      'GET',
      '/apis/apps/v1/namespaces/kontroler/deployments/kontroler-api',
    );
    expect(api.spec?.replicas).toBe(2);
    expect(api.spec?.template.spec?.automountServiceAccountToken).toBe(false);
  });

  it('lets the API’s account do nothing in Kubernetes, and the controller’s what deploy/rbac grants', async () => {
    const { admin } = plane();
    const may = async (account: string, verb: string, resource: string, group = ''): Promise<boolean> => {
      const review = await admin.request<V1SubjectAccessReview>(
        'POST',
        '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        {
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            spec: {
              user: `system:serviceaccount:kontroler:${account}`,
              groups: ['system:serviceaccounts', 'system:serviceaccounts:kontroler', 'system:authenticated'],
              resourceAttributes: { namespace: 'kontroler', verb, resource, group },
            },
          },
        },
      );
      return review.status?.allowed === true;
    };
    for (const [verb, resource, group] of [
      ['get', 'pods', ''],
      ['list', 'secrets', ''],
      ['create', 'pods', ''],
      ['list', 'dags', 'kontroler.greedykomodo'],
      ['get', 'leases', 'coordination.k8s.io'],
    ] as const) {
      expect(await may('kontroler-api', verb, resource, group), `api ${verb} ${resource}`).toBe(false);
    }
    expect(await may('kontroler-controller', 'create', 'pods')).toBe(true);
    expect(await may('kontroler-controller', 'list', 'dags', 'kontroler.greedykomodo')).toBe(true);
    expect(await may('kontroler-controller', 'list', 'secrets')).toBe(false);
  });
});
