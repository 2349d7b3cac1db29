import type Docker from 'dockerode';
import { OrchestratorError, type StackEvent } from '../engine.js';
import type { ServiceDefinition } from '../stack-definition.js';
import { buildContextStream, contextFingerprint } from './build-context.js';
import { jsonLines } from './json-lines.js';

type Progress = (event: StackEvent & { type: 'progress' }) => void;

interface BuildMessage {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Makes a service's image available: builds it when the service has a `build` section (the
 * engine's layer cache makes an unchanged rebuild cheap), pulls it when missing otherwise.
 */
export async function ensureImage(
  docker: Docker,
  service: ServiceDefinition,
  options: { networkMode?: string; signal?: AbortSignal; onProgress: Progress },
): Promise<void> {
  if (service.build) return buildImage(docker, service, options);
  if (await imageExists(docker, service.image)) return;
  await pullImage(docker, service, options.onProgress);
}

const CONTEXT_LABEL = 'dev.relaybox.context';
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

export async function imageExists(docker: Docker, image: string): Promise<boolean> {
  return (await imageLabels(docker, image)) !== undefined;
}

/** The image's labels, undefined when there is no such image. */
async function imageLabels(docker: Docker, image: string): Promise<Record<string, string> | undefined> {
  try {
    const info = await docker.getImage(image).inspect();
    return info.Config?.Labels ?? {};
  } catch {
    return undefined;
  }
}

async function buildImage(
  docker: Docker,
  service: ServiceDefinition,
  options: { networkMode?: string; signal?: AbortSignal; onProgress: Progress },
): Promise<void> {
  const build = service.build as NonNullable<ServiceDefinition['build']>;
  const step = `build ${service.image}`;
  // An image built from the same context files and arguments is reused without a build.
  const fingerprint = await contextFingerprint(
    build.context,
    JSON.stringify([build.dockerfile, build.args]),
    build.dockerfile,
  );
  if ((await imageLabels(docker, service.image))?.[CONTEXT_LABEL] === fingerprint) {
    options.onProgress({ type: 'progress', step, detail: 'up to date', done: true });
    return;
  }
  options.onProgress({ type: 'progress', step, detail: `context ${build.context}` });
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(buildContextStream(build.context, build.dockerfile), {
      t: service.image,
      labels: { [CONTEXT_LABEL]: fingerprint },
      dockerfile: build.dockerfile,
      buildargs: build.args,
      rm: true,
      forcerm: true,
      ...(options.networkMode ? { networkmode: options.networkMode } : {}),
      ...(options.signal ? { abortSignal: options.signal } : {}),
    });
  } catch (cause) {
    // Refused before any step ran: no Dockerfile at that path, a bad context.
    const message = (cause as { json?: { message?: string } }).json?.message ?? (cause as Error).message;
    throw new OrchestratorError(
      'image_build_failed',
      `building ${service.image} (service ${service.name}) failed: ${message}`,
      { cause, details: `context ${build.context}, Dockerfile ${build.dockerfile}: ${message}` },
    );
  }
  // The output of the current step, kept to explain a failure with the step that failed.
  let stepOutput: string[] = [];
  for await (const message of jsonLines<BuildMessage>(stream)) {
    if (message.error || message.errorDetail) {
      const error = message.errorDetail?.message ?? message.error ?? 'unknown error';
      throw new OrchestratorError(
        'image_build_failed',
        `building ${service.image} (service ${service.name}) failed: ${error}`,
        { details: [...stepOutput, error].join('\n') },
      );
    }
    // Terminal colours (esbuild, npm) only make the details harder to read.
    const text = (message.stream ?? '').replace(ANSI_COLOUR, '');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      if (/^Step \d+\/\d+ :/.test(line)) {
        stepOutput = [line];
        options.onProgress({ type: 'progress', step, detail: line });
      } else stepOutput.push(line);
    }
  }
  options.onProgress({ type: 'progress', step, done: true });
}

async function pullImage(docker: Docker, service: ServiceDefinition, onProgress: Progress): Promise<void> {
  const image = service.image;
  const step = `pull ${image}`;
  const fix = service.imageVariable
    ? `set ${service.imageVariable} to an image this machine has`
    : 'or use an image this machine has';
  onProgress({ type: 'progress', step });
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(image);
  } catch (cause) {
    throw new OrchestratorError(
      'dependency_unavailable',
      `image ${image} (service ${service.name}) is not on this machine and could not be pulled: ` +
        `${(cause as { json?: { message?: string } }).json?.message ?? (cause as Error).message}. ` +
        `Check the network and registry access, ${fix}.`,
      { cause },
    );
  }
  for await (const message of jsonLines<BuildMessage>(stream)) {
    if (message.error)
      throw new OrchestratorError('dependency_unavailable', `pulling ${image} failed: ${message.error}`);
    if (message.status)
      onProgress({
        type: 'progress',
        step,
        detail: [message.id, message.status, message.progress].filter(Boolean).join(' '),
      });
  }
  onProgress({ type: 'progress', step, done: true });
}
