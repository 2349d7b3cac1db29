import { sdkBuild } from '../tsup.shared.ts';

export default sdkBuild({ entries: ['src/auth.ts'] });
