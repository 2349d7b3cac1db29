import type Docker from 'dockerode';
import {
  INSTANCE_LABEL,
  type Instance,
  ROLE_LABEL,
  SERVICE_LABEL,
  STACK_LABEL,
  type StackPlan,
} from './stack-plan.js';

const NS_PER_MS = 1_000_000;

/** The Docker create-container options of one instance, straight from its service definition. */
export function containerOptions(plan: StackPlan, instance: Instance): Docker.ContainerCreateOptions {
  const def = instance.definition;
  const host = plan.options.network === 'host';
  const exposed = Object.fromEntries(def.ports.map((p) => [`${p.container}/tcp`, {}]));
  const bindings = Object.fromEntries(
    def.ports.map((p) => [`${p.container}/tcp`, [{ HostPort: String(p.host) }]]),
  );
  return {
    name: instance.containerName,
    Image: def.image,
    ...(def.command ? { Cmd: def.command } : {}),
    ...(def.entrypoint ? { Entrypoint: def.entrypoint } : {}),
    Env: Object.entries(def.environment).map(([key, value]) => `${key}=${value}`),
    Labels: {
      ...def.labels,
      [STACK_LABEL]: plan.options.stack,
      [SERVICE_LABEL]: def.name,
      [INSTANCE_LABEL]: instance.name,
      [ROLE_LABEL]: def.role,
    },
    ...(def.healthcheck
      ? {
          Healthcheck: {
            Test: def.healthcheck.test,
            Interval: def.healthcheck.intervalMs * NS_PER_MS,
            Timeout: def.healthcheck.timeoutMs * NS_PER_MS,
            Retries: def.healthcheck.retries,
            StartPeriod: def.healthcheck.startPeriodMs * NS_PER_MS,
          },
        }
      : {}),
    ...(host ? {} : { ExposedPorts: exposed }),
    HostConfig: {
      NetworkMode: host ? 'host' : plan.networkName,
      ...(host ? {} : { PortBindings: bindings }),
      Mounts: def.mounts.map((mount) => ({
        Type: mount.type,
        Source: mount.type === 'volume' ? plan.volumeName(mount.source) : mount.source,
        Target: mount.target,
        ReadOnly: mount.readOnly,
      })),
      RestartPolicy: { Name: def.restart === 'no' ? '' : def.restart },
    },
    ...(host
      ? {}
      : {
          NetworkingConfig: {
            EndpointsConfig: { [plan.networkName]: { Aliases: [def.name, instance.name] } },
          },
        }),
  };
}
