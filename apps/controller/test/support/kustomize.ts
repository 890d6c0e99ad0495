/**
 * A small kustomize for the subset `deploy/` uses: `resources` (YAML files, or folders with their own
 * kustomization.yaml, recursively) and `images` (`name` → `newName`/`newTag`/`digest` on every container
 * and init container). No kustomize implementation runs on Node, and `kubectl` 1.20 (Debian) is too old to
 * trust, so the tests render with this. Any other field is refused: an overlay that starts using a
 * feature this does not implement fails its test instead of being rendered wrong.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** One rendered Kubernetes object. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

interface ImageRule {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'images']);
const IMAGE_FIELDS = new Set(['name', 'newName', 'newTag', 'digest']);

export class KustomizeError extends Error {
  override readonly name = 'KustomizeError';
}

/** `kind/namespace/name`, the identity kustomize refuses to see twice in one build. */
export const manifestId = (m: Manifest): string =>
  `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;

/** Renders the kustomization in `dir` (the folder holding kustomization.yaml), as `kustomize build` would. */
export function renderKustomization(dir: string, root: string = dir): Manifest[] {
  const file = join(dir, 'kustomization.yaml');
  const where = relative(root, file) || file;
  if (!existsSync(file)) throw new KustomizeError(`${dir} has no kustomization.yaml`);
  const spec = parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
  if (spec === null || typeof spec !== 'object') throw new KustomizeError(`${where} is empty`);
  for (const key of Object.keys(spec)) {
    if (!SUPPORTED.has(key))
      throw new KustomizeError(`${where}: field "${key}" is not supported by this renderer`);
  }
  if (spec.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || spec.kind !== 'Kustomization') {
    throw new KustomizeError(`${where}: expected kustomize.config.k8s.io/v1beta1 Kustomization`);
  }
  const out: Manifest[] = [];
  const seen = new Set<string>();
  for (const entry of stringList(spec.resources, `${where} resources`)) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new KustomizeError(`${where}: resource ${entry} does not exist`);
    const objects = statSync(path).isDirectory()
      ? renderKustomization(path, root)
      : readManifests(path, root);
    for (const object of objects) {
      const id = manifestId(object);
      if (seen.has(id)) throw new KustomizeError(`${where}: ${id} is listed twice (through ${entry})`);
      seen.add(id);
      out.push(object);
    }
  }
  const images = imageRules(spec.images, where);
  return images.length === 0 ? out : out.map((object) => withImages(object, images));
}

function stringList(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new KustomizeError(`${what} must be a list of paths`);
  }
  return value as string[];
}

function readManifests(file: string, root: string): Manifest[] {
  const where = relative(root, file);
  return parseAllDocuments(readFileSync(file, 'utf8')).flatMap((doc) => {
    if (doc.errors.length > 0) throw new KustomizeError(`${where}: ${doc.errors[0]?.message ?? 'bad YAML'}`);
    const object = doc.toJS() as Partial<Manifest> | null;
    if (object === null) return [];
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
      throw new KustomizeError(`${where}: a document without apiVersion and kind`);
    }
    if (typeof object.metadata?.name !== 'string')
      throw new KustomizeError(`${where}: ${object.kind} without a name`);
    return [object as Manifest];
  });
}

function imageRules(value: unknown, where: string): ImageRule[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new KustomizeError(`${where}: images must be a list`);
  return value.map((rule: unknown) => {
    if (rule === null || typeof rule !== 'object')
      throw new KustomizeError(`${where}: an image rule must be an object`);
    for (const [key, v] of Object.entries(rule)) {
      if (!IMAGE_FIELDS.has(key) || typeof v !== 'string') {
        throw new KustomizeError(`${where}: images: "${key}" is not a supported string field`);
      }
    }
    const image = rule as ImageRule;
    if (!image.name) throw new KustomizeError(`${where}: an image rule needs a name`);
    return image;
  });
}

/** Splits `registry:5000/repo/name:tag@sha256:…` into name, tag and digest. */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const [rest = '', digest] = image.split('@', 2);
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    name: hasTag ? rest.slice(0, colon) : rest,
    ...(hasTag ? { tag: rest.slice(colon + 1) } : {}),
    ...(digest === undefined ? {} : { digest }),
  };
}

function retag(image: string, rules: readonly ImageRule[]): string {
  const current = parseImage(image);
  const rule = rules.find((r) => r.name === current.name);
  if (rule === undefined) return image;
  const name = rule.newName ?? current.name;
  // As kustomize: a digest replaces the tag; a new tag drops an old digest.
  if (rule.digest !== undefined) return `${name}@${rule.digest}`;
  if (rule.newTag !== undefined) return `${name}:${rule.newTag}`;
  const tag = current.tag === undefined ? '' : `:${current.tag}`;
  return `${name}${tag}${current.digest === undefined ? '' : `@${current.digest}`}`;
}

/** A copy of `value` with every `containers[].image` and `initContainers[].image` retagged, at any depth. */
function withImages<T>(value: T, rules: readonly ImageRule[]): T {
  if (Array.isArray(value)) return value.map((v: unknown) => withImages(v, rules)) as T;
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(child)) {
      copy[key] = child.map((container: unknown) => {
        const c = container as Record<string, unknown>;
        return typeof c.image === 'string' ? { ...c, image: retag(c.image, rules) } : c;
      });
    } else copy[key] = withImages(child, rules);
  }
  return copy as T;
}
