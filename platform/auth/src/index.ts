// @relaybox/auth: the live auth service for an app's own end users (docs/auth.md).
// Served by the gateways under /v1/auth; state in the deployment's user store.
export {};
