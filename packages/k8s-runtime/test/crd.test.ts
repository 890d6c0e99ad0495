// Pure: no control plane.
import { describe, expect, it } from 'vitest';
import { buildCrds, staleDeployFiles, toStructural } from '@kontroler/k8s-runtime';

describe('generated deploy files', () => {
  it("are up to date with core's schema (run: npx tsx packages/k8s-runtime/src/crd/generate.ts)", () => {
    expect(staleDeployFiles()).toEqual([]);
  });
});

describe('CRDs', () => {
  const crds = buildCrds();

  it('defines DAG, DagRun and DagTask in kontroler.greedykomodo/v1alpha1 with status and short names', () => {
    expect(crds.map((c) => c.spec.names.kind)).toEqual(['DAG', 'DagRun', 'DagTask']);
    for (const crd of crds) {
      expect(crd.spec.group).toBe('kontroler.greedykomodo');
      expect(crd.spec.versions[0]?.name).toBe('v1alpha1');
      expect(crd.spec.versions[0]?.subresources?.status).toEqual({});
      expect(crd.spec.names.shortNames?.length).toBeGreaterThan(0);
    }
    const dagColumns = crds[0]?.spec.versions[0]?.additionalPrinterColumns?.map((c) => c.name);
    expect(dagColumns).toEqual(expect.arrayContaining(['Schedule', 'Version', 'Phase', 'Age']));
  });

  it('keeps Kontroler field names: spec.task and spec.dsl', () => {
    const spec = (
      crds[0]?.spec.versions[0]?.schema?.openAPIV3Schema as {
        properties: { spec: { properties: Record<string, unknown> } };
      }
    ).properties.spec.properties;
    expect(Object.keys(spec)).toEqual(
      expect.arrayContaining(['task', 'dsl', 'schedule', 'parameters', 'webhook', 'workspace', 'suspended']),
    );
    expect(spec).not.toHaveProperty('tasks');
    expect(spec).not.toHaveProperty('name');
  });

  it('preserves unknown fields only for open Kubernetes objects', () => {
    const text = JSON.stringify(crds);
    const preserved: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (!node || typeof node !== 'object') return;
      if ((node as Record<string, unknown>)['x-kubernetes-preserve-unknown-fields']) preserved.push(path);
      for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k}`);
    };
    walk(crds[0]?.spec.versions[0]?.schema?.openAPIV3Schema, '');
    const leaves = preserved.map((p) =>
      p
        .split('/')
        .filter((s) => s !== 'properties' && s !== 'items')
        .pop(),
    );
    expect(new Set(leaves)).toEqual(
      // `forEach`: its static `items` are JSON values of any shape.
      new Set([
        'volumes',
        'volumeMounts',
        'securityContext',
        'tolerations',
        'affinity',
        'selector',
        'with',
        'forEach',
      ]),
    );
    expect(text).not.toContain('"patternProperties"');
    expect(text).not.toContain('"$id"');
  });

  it('rejects schemas that cannot be structural', () => {
    expect(() => toStructural({ anyOf: [{ type: 'object' }, { type: 'array' }] })).toThrow(
      /unsupported union/,
    );
  });
});
