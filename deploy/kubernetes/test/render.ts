import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from './kubernetes-schemas.js';

/** deploy/kubernetes of this checkout. */
export const KUBERNETES_DIR = fileURLToPath(new URL('..', import.meta.url));
export const OVERLAYS = ['local', 'production'] as const;

/**
 * `kubectl kustomize <dir>` (Debian's kubernetes-client; no cluster needed) parsed into objects.
 * Fails with kubectl's message when the kustomization does not build.
 */
export async function render(dir: string): Promise<KubernetesObject[]> {
  let text: string;
  try {
    ({ stdout: text } = await promisify(execFile)('kubectl', ['kustomize', dir], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
      timeout: 60_000,
    }));
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: string };
    if (code === 'ENOENT') throw new Error('kubectl not found: apt-get install kubernetes-client');
    throw new Error(`kubectl kustomize ${dir} failed: ${stderr ?? error}`);
  }
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
    return doc.toJSON() as KubernetesObject;
  });
}

export function find(objects: readonly KubernetesObject[], kind: string, name: string): KubernetesObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered objects`);
  return found;
}
