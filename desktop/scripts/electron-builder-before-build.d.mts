export default function beforeBuild(): Promise<boolean>;
