/**
 * What the controller ships with, read from its Deployment (deploy/base/deployment.yaml), so the benches
 * measure the settings users deploy rather than a copy that drifts from them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const DEPLOYMENT = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'deploy',
  'base',
  'deployment.yaml',
);

interface Container {
  readonly command?: string[];
  readonly env?: { name: string; value?: string }[];
}

function controllerContainer(): Container {
  const deployment = parseYaml(readFileSync(DEPLOYMENT, 'utf8')) as {
    spec: { template: { spec: { containers: Container[] } } };
  };
  const container = deployment.spec.template.spec.containers[0];
  if (!container) throw new Error(`${DEPLOYMENT} declares no container`);
  return container;
}

/** The environment variables the Deployment sets literally (those read from Secrets or fields are left out). */
export function deployedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of controllerContainer().env ?? []) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
  }
  return env;
}

/** The node flags of the controller as deployed: its container's command and NODE_OPTIONS. */
export function deployedNodeFlags(): string[] {
  const fromCommand = (controllerContainer().command ?? []).filter((arg) => arg.startsWith('--'));
  const nodeOptions = deployedEnv().NODE_OPTIONS ?? '';
  return [...fromCommand, ...nodeOptions.split(' ').filter(Boolean)];
}
