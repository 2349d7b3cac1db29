import type Docker from 'dockerode';
import type { LogOptions, StackEvent } from '../engine.js';
import { demuxLines, LogDemuxer, type LogStreamName } from './log-demux.js';
import { INSTANCE_LABEL } from './stack-plan.js';

type OnLine = (event: StackEvent & { type: 'log' }) => void;

/**
 * The last `tail` lines of each container (an instance, or every replica of a service), then,
 * with `follow`, every new line until the returned function is called. Lines keep their stream.
 */
export async function serviceLogs(
  docker: Docker,
  containers: Docker.ContainerInfo[],
  options: LogOptions,
  onLine: OnLine,
): Promise<() => void> {
  const stops: (() => void)[] = [];
  for (const info of containers) {
    const instance = info.Labels[INSTANCE_LABEL] ?? info.Id;
    const container = docker.getContainer(info.Id);
    const emit = (stream: LogStreamName, line: string) =>
      onLine({ type: 'log', service: instance, stream, line, ts: Date.now() });
    const tail = options.tail ?? 200;
    if (!options.follow) {
      const buffer = (await container.logs({ stdout: true, stderr: true, tail, follow: false })) as unknown;
      for (const entry of demuxLines(Buffer.from(buffer as Buffer))) emit(entry.stream, entry.line);
      continue;
    }
    const stream = (await container.logs({
      follow: true,
      stdout: true,
      stderr: true,
      tail,
    })) as NodeJS.ReadableStream & {
      destroy(): void;
    };
    const demuxer = new LogDemuxer(emit);
    stream.on('data', (chunk: Buffer) => demuxer.push(chunk));
    stream.on('end', () => demuxer.end());
    stream.on('error', () => {});
    stops.push(() => stream.destroy());
  }
  return () => {
    for (const stop of stops) stop();
  };
}
