export { ErrorCode, type PermissionMap, type PublishAck, RelayBoxError } from '@relaybox/protocol';
export type { CreateTokenParams, TokenDetails } from './create-token.js';
export type { FetchLike } from './http-request.js';
export { RelayBoxRest, type RelayBoxRestOptions, type RestPublishOptions } from './relay-box-rest.js';
