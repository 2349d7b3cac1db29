import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type KubernetesObject, KubernetesSchemas } from './kubernetes-schemas.js';
import { Kubernetes131Schemas } from './kubernetes-schemas-1.31.js';
import { find, KUBERNETES_DIR, OVERLAYS, render } from './render.js';

// Every overlay renders with `kubectl kustomize` and every object is valid against the Kubernetes
// 1.31 API schemas (from cdk8s-plus-31) and the 1.30 and 1.32 ones (from @kubernetes/client-node),
// strict: unknown fields are errors; then the
// properties the deployment relies on are checked on the rendered objects, not on the sources.
// Manifests are read loosely; a wrong shape fails the assertion that reads it.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Loose = any;

const rendered = new Map<string, KubernetesObject[]>();
const schemas = [KubernetesSchemas.forApi('k8s-openapi-1.30'), KubernetesSchemas.forApi('k8s-openapi-1.32')];
const schemas131 = new Kubernetes131Schemas();

beforeAll(async () => {
  for (const overlay of OVERLAYS)
    rendered.set(overlay, await render(join(KUBERNETES_DIR, 'overlays', overlay)));
});

const objectsOf = (overlay: string) => rendered.get(overlay) as KubernetesObject[];
const podSpec = (o: Loose) => o.spec.template.spec;
const container = (o: Loose, name: string) => podSpec(o).containers.find((c: Loose) => c.name === name);

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  it('renders, and every object is valid against the Kubernetes 1.31, 1.30 and 1.32 schemas', async () => {
    const objects = objectsOf(overlay);
    expect(objects.length).toBeGreaterThan(15);
    for (const schema of [schemas131, ...schemas]) {
      const errors: string[] = [];
      for (const object of objects) {
        for (const error of await schema.validate(object)) {
          errors.push(`${object.kind}/${object.metadata.name}: ${error}`);
        }
      }
      expect(errors, `${schema.api} (${schema.specVersion()})`).toEqual([]);
    }
  });

  it('puts everything in the relaybox namespace', () => {
    for (const object of objectsOf(overlay)) {
      if (object.kind === 'Namespace') continue;
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe('relaybox');
    }
  });

  it('gateway: readiness /v1/ready, liveness /v1/live, preStop, a grace period longer than the drain', () => {
    const objects = objectsOf(overlay);
    const deployment: Loose = find(objects, 'Deployment', 'relaybox-gateway');
    const gateway = container(deployment, 'gateway');
    expect(gateway.args).toEqual(['gateway']);
    expect(gateway.readinessProbe.httpGet).toMatchObject({ path: '/v1/ready', port: 'http' });
    expect(gateway.livenessProbe.httpGet).toMatchObject({ path: '/v1/live', port: 'http' });
    const preStop = Number(gateway.lifecycle.preStop.exec.command[1]);
    const config: Loose = find(objects, 'ConfigMap', 'relaybox-platform');
    const drainSec = Number(config.data.RELAYBOX_DRAIN_DELAY_MS) / 1000;
    const closeSec = Number(config.data.RELAYBOX_SHUTDOWN_GRACE_MS) / 1000;
    expect(drainSec).toBeGreaterThan(0);
    expect(podSpec(deployment).terminationGracePeriodSeconds).toBeGreaterThan(preStop + drainSec + closeSec);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9001',
      'prometheus.io/path': '/metrics',
    });
  });

  it('gateway: autoscaled on CPU from two replicas, at most one disrupted at a time', () => {
    const objects = objectsOf(overlay);
    const hpa: Loose = find(objects, 'HorizontalPodAutoscaler', 'relaybox-gateway');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'relaybox-gateway' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.metrics[0].resource).toMatchObject({ name: 'cpu', target: { type: 'Utilization' } });
    // The HPA owns the replica count: a `replicas` here would fight it on every apply.
    expect((find(objects, 'Deployment', 'relaybox-gateway') as Loose).spec.replicas).toBeUndefined();
    const pdb: Loose = find(objects, 'PodDisruptionBudget', 'relaybox-gateway');
    expect(pdb.spec).toMatchObject({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'relaybox-gateway' } },
    });
  });

  it('one worker Deployment per queue, each running `worker <queue>` of the platform image', () => {
    const objects = objectsOf(overlay);
    const gatewayImage = container(find(objects, 'Deployment', 'relaybox-gateway'), 'gateway').image;
    for (const queue of ['sessions', 'history', 'webhook']) {
      const worker = container(find(objects, 'Deployment', `relaybox-worker-${queue}`), 'worker');
      expect(worker.args).toEqual(['worker', queue]);
      expect(worker.image).toBe(gatewayImage);
    }
  });

  it('control plane: probes on /health and /ready, migrations owned by the migration Job', () => {
    const objects = objectsOf(overlay);
    const controlPlane = container(find(objects, 'Deployment', 'relaybox-control-plane'), 'control-plane');
    expect(controlPlane.readinessProbe.httpGet.path).toBe('/ready');
    expect(controlPlane.livenessProbe.httpGet.path).toBe('/health');
    expect(controlPlane.env).toContainEqual({ name: 'MIGRATE_ON_START', value: '0' });
    const job: Loose = find(objects, 'Job', 'relaybox-migrate');
    expect(container(job, 'migrate')).toMatchObject({ args: ['migrate'], image: controlPlane.image });
    expect(podSpec(job).containers[0].envFrom).toEqual(controlPlane.envFrom);
  });

  it('Ingress: nginx with hour-long proxy timeouts for WebSockets, /v1 to the gateways', () => {
    const ingress: Loose = find(objectsOf(overlay), 'Ingress', 'relaybox-gateway');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    const annotations = ingress.metadata.annotations;
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(
      3600,
    );
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(
      3600,
    );
    expect(ingress.spec.rules[0].http.paths[0]).toMatchObject({
      path: '/v1',
      backend: { service: { name: 'relaybox-gateway' } },
    });
  });

  it('every Service selects pods and targets a port they declare; every pod runs non-root where it is ours', () => {
    const objects = objectsOf(overlay);
    const workloads = objects.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind)) as Loose[];
    for (const service of objects.filter((o) => o.kind === 'Service') as Loose[]) {
      const pods = workloads.filter((w) =>
        Object.entries(service.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
      );
      expect(pods.length, `pods of Service ${service.metadata.name}`).toBeGreaterThan(0);
      for (const port of service.spec.ports) {
        const declared = pods[0].spec.template.spec.containers.flatMap((c: Loose) => c.ports ?? []);
        expect(
          declared.map((p: Loose) => p.name),
          service.metadata.name,
        ).toContain(port.targetPort);
      }
    }
    for (const workload of workloads.filter((w) => w.metadata.labels?.['app.kubernetes.io/component'])) {
      expect(podSpec(workload).securityContext.runAsNonRoot, workload.metadata.name).toBe(true);
      for (const c of podSpec(workload).containers)
        expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    }
  });

  it('NetworkPolicies deny by default and admit the ingress controller to the gateways', () => {
    const policies = objectsOf(overlay).filter((o) => o.kind === 'NetworkPolicy') as Loose[];
    expect(policies.find((p) => p.metadata.name === 'relaybox-default-deny')?.spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
    });
    const gateway = policies.find((p) => p.metadata.name === 'relaybox-gateway');
    expect(gateway.spec.ingress[0].from).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
    });
  });
});

describe('secrets', () => {
  it('local: every Secret and ConfigMap a pod refers to is rendered with the keys it needs', () => {
    const objects = objectsOf('local');
    const workloads = objects.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind)) as Loose[];
    for (const workload of workloads) {
      for (const c of podSpec(workload).containers) {
        for (const source of c.envFrom ?? []) {
          const ref = source.secretRef ?? source.configMapRef;
          const kind = source.secretRef ? 'Secret' : 'ConfigMap';
          expect(
            () => find(objects, kind, ref.name),
            `${workload.metadata.name} → ${ref.name}`,
          ).not.toThrow();
        }
      }
    }
  });

  it('production: generates no Secret and refers only to the two documented ones', () => {
    const objects = objectsOf('production');
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const names = new Set<string>();
    for (const workload of objects.filter((o) => ['Deployment', 'Job'].includes(o.kind)) as Loose[]) {
      for (const c of podSpec(workload).containers)
        for (const s of c.envFrom ?? []) if (s.secretRef) names.add(s.secretRef.name);
    }
    expect([...names].sort()).toEqual(['relaybox-control-plane', 'relaybox-platform']);
  });
});

describe('the schema check itself', () => {
  it('rejects a misspelt field, a wrong type, a missing required field and an unserved apiVersion', async () => {
    const deployment = structuredClone(find(objectsOf('local'), 'Deployment', 'relaybox-gateway')) as Loose;
    const gateway = deployment.spec.template.spec.containers[0];
    gateway.readinesProbe = gateway.readinessProbe;
    gateway.ports[0].containerPort = '9001';
    delete deployment.spec.selector;
    const errors = await schemas[0]!.validate(deployment);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining('additional properties "readinesProbe"'),
        expect.stringContaining('containerPort must be integer'),
        expect.stringContaining("required property 'selector'"),
      ]),
    );
    expect(await schemas[1]!.validate({ ...deployment, apiVersion: 'apps/v1beta2' })).toEqual([
      expect.stringContaining('not apps/v1beta2'),
    ]);
  });

  it('1.31: rejects a misspelt field, a wrong type, a missing required field and an unserved apiVersion', () => {
    expect(schemas131.specVersion()).toBe('1.31.0');
    const deployment = structuredClone(find(objectsOf('local'), 'Deployment', 'relaybox-gateway')) as Loose;
    const gateway = deployment.spec.template.spec.containers[0];
    gateway.readinesProbe = gateway.readinessProbe;
    gateway.ports[0].containerPort = '9001';
    gateway.resources.limits.memory = true;
    delete deployment.spec.selector;
    expect(schemas131.validate(deployment)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('additional properties "readinesProbe"'),
        expect.stringContaining('containerPort must be number'),
        expect.stringContaining('memory must be string,number'),
        expect.stringContaining("required property 'selector'"),
      ]),
    );
    expect(schemas131.validate({ ...deployment, apiVersion: 'apps/v1beta2' })).toEqual([
      expect.stringContaining('apps/v1beta2 Deployment is not served by Kubernetes 1.31.0'),
    ]);
    // Served: a kind GA since 1.30. Not served: an apiVersion removed in 1.29.
    const vap = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'x' },
    };
    expect(schemas131.validate(vap)).toEqual([]);
    expect(
      schemas131.validate({ ...vap, apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', kind: 'FlowSchema' }),
    ).toEqual([expect.stringContaining('not served')]);
  });
});
