import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * Strict JSON Schemas of Kubernetes objects, built offline from the OpenAPI-generated models that
 * `@kubernetes/client-node` ships (one install per API version, as npm aliases):
 * `k8s-openapi-1.30` (spec v1.30.1) and `k8s-openapi-1.32` (spec v1.32.0). No npm package ships the
 * 1.31 JSON schemas themselves; an object valid against both 1.30 and 1.32 only uses kinds and
 * fields that 1.31 serves too (nothing GA is added and removed again within one release).
 *
 * Per model: every property with its type (string, integer for int32/int64, boolean, arrays,
 * string maps, int-or-string, nested models by $ref), the required ones (non-optional in the
 * model's `.d.ts`), and no other property (`additionalProperties: false`, like kubectl's strict
 * validation: a misspelt field is an error, not silently dropped).
 */
export type KubernetesApi = 'k8s-openapi-1.30' | 'k8s-openapi-1.32';

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

type Schema = Record<string, unknown>;

export class KubernetesSchemas {
  private readonly definitions: Record<string, Schema> = {};
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv = new Ajv({ allErrors: true, strict: false });

  private constructor(
    readonly api: KubernetesApi,
    private readonly modelsDir: string,
  ) {}

  static forApi(api: KubernetesApi): KubernetesSchemas {
    const entry = createRequire(import.meta.url).resolve(api);
    return new KubernetesSchemas(api, join(dirname(entry), 'gen', 'models'));
  }

  /** The spec version the models were generated from (`v1.30.1`). */
  specVersion(): string {
    const text = readFileSync(join(this.modelsDir, 'V1Pod.js'), 'utf8');
    return /OpenAPI spec version: (\S+)/.exec(text)?.[1] ?? 'unknown';
  }

  /** Errors of `object` (empty when valid), each as `<path> <message>`. */
  async validate(object: KubernetesObject): Promise<string[]> {
    const group = API_VERSION_OF_KIND[object.kind];
    if (group !== object.apiVersion) {
      return [
        `/apiVersion ${object.kind} is served as ${group ?? '(a kind this check does not know)'}, not ${object.apiVersion}`,
      ];
    }
    const model = modelName(object.apiVersion, object.kind);
    let validator = this.validators.get(model);
    if (!validator) {
      try {
        await this.define(model);
      } catch {
        return [`${object.apiVersion} ${object.kind} is not served by Kubernetes ${this.specVersion()}`];
      }
      validator = this.ajv.compile({
        $ref: `#/definitions/${model}`,
        definitions: this.definitions,
      });
      this.validators.set(model, validator);
    }
    const kindErrors: string[] = [];
    if (validator(object)) return [];
    for (const error of validator.errors ?? []) {
      const extra = (error.params as { additionalProperty?: string }).additionalProperty;
      kindErrors.push(`${error.instancePath || '/'} ${error.message}${extra ? ` "${extra}"` : ''}`);
    }
    return kindErrors;
  }

  /** Adds the model and every model it refers to (recursively) to `definitions`. */
  private async define(model: string): Promise<void> {
    if (this.definitions[model]) return;
    const url = pathToFileURL(join(this.modelsDir, `${model}.js`)).href;
    const module = (await import(url)) as Record<string, { attributeTypeMap?: Attribute[] }>;
    const attributes = module[model]?.attributeTypeMap;
    if (!attributes) throw new Error(`no model ${model}`);
    const required = requiredProperties(readFileSync(join(this.modelsDir, `${model}.d.ts`), 'utf8'));
    const properties: Record<string, Schema> = {};
    const schema: Schema = { type: 'object', properties, additionalProperties: false, required };
    this.definitions[model] = schema;
    const referenced: string[] = [];
    for (const attribute of attributes) {
      properties[attribute.baseName] = typeSchema(attribute.type, attribute.format, referenced);
    }
    for (const name of referenced) await this.define(name);
  }
}

/** The group/version of each kind the manifests may use (the models do not carry the group). */
const API_VERSION_OF_KIND: Record<string, string> = {
  Namespace: 'v1',
  ServiceAccount: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  PersistentVolumeClaim: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  Job: 'batch/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  PodDisruptionBudget: 'policy/v1',
  Ingress: 'networking.k8s.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
};

/** `apps/v1` + `Deployment` → `V1Deployment`; `autoscaling/v2` + `HorizontalPodAutoscaler` → `V2HorizontalPodAutoscaler`. */
export function modelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').pop() ?? apiVersion;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/** The properties a model's `.d.ts` declares without `?`. */
function requiredProperties(declaration: string): string[] {
  return [...declaration.matchAll(/^\s+'([^']+)':/gm)].map((match) => match[1] as string);
}

function typeSchema(type: string, format: string, referenced: string[]): Schema {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: 'array', items: typeSchema(array[1] as string, '', referenced) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: 'object', additionalProperties: typeSchema(map[1] as string, '', referenced) };
  switch (type) {
    case 'string':
      return format === 'int-or-string' ? { type: ['string', 'integer'] } : { type: 'string' };
    case 'number':
      return format === 'int32' || format === 'int64' ? { type: 'integer' } : { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'Date':
      return { type: 'string' };
    case 'IntOrString':
      return { type: ['string', 'integer'] };
    case 'any':
    case 'object':
      return {};
    default:
      if (!/^[A-Z][A-Za-z0-9]*$/.test(type)) throw new Error(`unknown model type "${type}"`);
      referenced.push(type);
      return { $ref: `#/definitions/${type}` };
  }
}
