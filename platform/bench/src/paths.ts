import { fileURLToPath } from 'node:url';

/** The workspace root (/work/main): every child process runs with it as cwd. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const benchRoot = fileURLToPath(new URL('../', import.meta.url));
