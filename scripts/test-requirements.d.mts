import type { Requirement } from './preflight.mjs';

export const TEST_IMAGES: string[];
export function testRequirements(root: string): Requirement[];
