/** Runs the harness's kubectl (the same release as its kube-apiserver) as a user would, capturing output. */
import { spawn } from 'node:child_process';
import { locateKubectl } from './env.js';

export interface KubectlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `kubectl args…` with `env` (KUBECONFIG, HOME), fed `input` on stdin; killed after 90 s. */
export function runKubectl(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  input = '',
): Promise<KubectlResult> {
  const located = locateKubectl();
  if (!('path' in located)) return Promise.reject(new Error(located.reason));
  return new Promise((resolve, reject) => {
    const child = spawn(located.path, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
