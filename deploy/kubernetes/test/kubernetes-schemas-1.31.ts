import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import type { KubernetesObject } from './kubernetes-schemas.js';

/**
 * Strict JSON Schemas of the Kubernetes 1.31 objects, built offline from the only npm package found
 * that carries the 1.31 API: `cdk8s-plus-31`, whose `lib/imports/k8s.{d.ts,js}` cdk8s generated
 * from the Kubernetes 1.31.0 OpenAPI spec (one interface per model, one `toJson_<Model>` per model
 * giving each property's JSON name, one `Kube<Kind>.GVK` per served kind). The
 * `@kubernetes/client-node` builds on npm carry 1.30 and 1.32 (kubernetes-schemas.ts).
 *
 * Per model: every property with its JSON name and type (string, number, boolean, arrays, string
 * maps, int-or-string and quantity, nested models by $ref, string enums), the required ones (no `?`
 * in the interface) and no other property (`additionalProperties: false`). The TypeScript types do
 * not tell int32 from a float: numbers are checked as numbers (1.30 and 1.32 check integers).
 */
export class Kubernetes131Schemas {
  readonly api = 'cdk8s-plus-31';
  private readonly interfaces = new Map<string, Property[]>();
  private readonly enums = new Map<string, string[]>();
  private readonly jsonNames = new Map<string, Map<string, string>>();
  private readonly kinds = new Map<string, string>();
  private readonly definitions: Record<string, Schema> = {};
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv = new Ajv({ allErrors: true, strict: false });

  constructor() {
    const dir = join(dirname(createRequire(import.meta.url).resolve('cdk8s-plus-31')), 'imports');
    const declarations = readFileSync(join(dir, 'k8s.d.ts'), 'utf8');
    this.readDeclarations(declarations);
    const code = readFileSync(join(dir, 'k8s.js'), 'utf8');
    for (const m of code.matchAll(/^(\w+)\.GVK = \{\s*apiVersion: '([^']+)',\s*kind: '([^']+)',?\s*\};/gm)) {
      this.kinds.set(`${m[2]} ${m[3]}`, `${m[1]}Props`);
    }
    for (const m of code.matchAll(
      /^function toJson_(\w+)\(obj\) \{[\s\S]*?const result = \{([\s\S]*?)\n {4}\};/gm,
    )) {
      const names = new Map<string, string>();
      for (const p of (m[2] as string).matchAll(/^\s+'([^']+)': .*?\bobj\.(\w+)\b/gm))
        names.set(p[2]!, p[1]!);
      this.jsonNames.set(m[1]!, names);
    }
    this.specVersionText = /synthesizes Kubernetes manifests for Kubernetes (\d+\.\d+\.\d+)/.exec(
      readFileSync(join(dir, '..', '..', 'package.json'), 'utf8'),
    )?.[1];
  }

  private readonly specVersionText: string | undefined;

  /** The Kubernetes version the package was generated from (`1.31.0`). */
  specVersion(): string {
    return this.specVersionText ?? 'unknown';
  }

  /** Errors of `object` (empty when valid), each as `<path> <message>`. */
  validate(object: KubernetesObject): string[] {
    const props = this.kinds.get(`${object.apiVersion} ${object.kind}`);
    if (!props)
      return [`${object.apiVersion} ${object.kind} is not served by Kubernetes ${this.specVersion()}`];
    let validator = this.validators.get(props);
    if (!validator) {
      this.define(props);
      const top = this.definitions[props] as { properties: Record<string, Schema> };
      validator = this.ajv.compile({
        ...top,
        properties: {
          ...top.properties,
          apiVersion: { const: object.apiVersion },
          kind: { const: object.kind },
        },
        required: [...((top as { required?: string[] }).required ?? []), 'apiVersion', 'kind'],
        definitions: this.definitions,
      });
      this.validators.set(props, validator);
    }
    if (validator(object)) return [];
    return (validator.errors ?? []).map((error) => {
      const extra = (error.params as { additionalProperty?: string }).additionalProperty;
      return `${error.instancePath || '/'} ${error.message}${extra ? ` "${extra}"` : ''}`;
    });
  }

  /** Interfaces (`readonly name?: Type;`, string maps over three lines) and string enums. */
  private readDeclarations(text: string): void {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const head = /^export interface (\w+) \{$/.exec(lines[i]!);
      const enumHead = /^export declare enum (\w+) \{$/.exec(lines[i]!);
      if (enumHead) {
        const values: string[] = [];
        for (i++; lines[i] !== '}'; i++) {
          const value = /^\s+\w+ = "([^"]*)",?$/.exec(lines[i]!);
          if (value) values.push(value[1]!);
        }
        this.enums.set(enumHead[1]!, values);
        continue;
      }
      if (!head) continue;
      const properties: Property[] = [];
      for (i++; lines[i] !== '}'; i++) {
        const p = /^ {4}readonly (\w+)(\?)?: (.+?);?$/.exec(lines[i]!);
        if (!p) continue;
        let type = p[3]!;
        if (type === '{') {
          const value = /^\s+\[key: string\]: (.+);$/.exec(lines[i + 1]!);
          if (!value) throw new Error(`unreadable map type of ${head[1]}.${p[1]}`);
          type = `map:${value[1]}`;
          i += 2;
        }
        properties.push({ name: p[1]!, optional: p[2] === '?', type });
      }
      this.interfaces.set(head[1]!, properties);
    }
  }

  /** Adds the model and every model it refers to (recursively) to `definitions`. */
  private define(model: string): void {
    if (this.definitions[model]) return;
    const enumValues = this.enums.get(model);
    if (enumValues) {
      this.definitions[model] = { type: 'string', enum: enumValues };
      return;
    }
    const declared = this.interfaces.get(model);
    if (!declared) throw new Error(`no model ${model} in cdk8s-plus-31`);
    const names = this.jsonNames.get(model) ?? new Map<string, string>();
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    const schema: Schema = { type: 'object', properties, additionalProperties: false, required };
    this.definitions[model] = schema;
    const referenced: string[] = [];
    for (const p of declared) {
      const name = names.get(p.name) ?? p.name;
      properties[name] = typeSchema(p.type, referenced);
      if (!p.optional) required.push(name);
    }
    for (const name of referenced) this.define(name);
  }
}

interface Property {
  name: string;
  optional: boolean;
  type: string;
}

type Schema = Record<string, unknown>;

function typeSchema(type: string, referenced: string[]): Schema {
  if (type.startsWith('map:'))
    return { type: 'object', additionalProperties: typeSchema(type.slice(4), referenced) };
  if (type.endsWith('[]')) return { type: 'array', items: typeSchema(type.slice(0, -2), referenced) };
  switch (type) {
    case 'string':
    case 'Date':
      return { type: 'string' };
    case 'number':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'string | number':
    case 'IntOrString':
    case 'Quantity':
      return { type: ['string', 'number'] };
    case 'any':
      return {};
    default:
      if (!/^[A-Z][A-Za-z0-9]*$/.test(type)) throw new Error(`unknown model type "${type}"`);
      referenced.push(type);
      return { $ref: `#/definitions/${type}` };
  }
}
