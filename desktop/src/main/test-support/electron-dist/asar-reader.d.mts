// Types of asar-reader.mjs for the TypeScript tests (not part of the stand-in distribution).
export function readAsarFile(archive: string, file: string): Buffer;
export function splitAsarPath(path: string): [string, string] | undefined;
export function listAsarFiles(archive: string): string[];
