export {
  ErrorCode,
  type PermissionMap,
  type PresenceMember,
  type PublishAck,
  RelayBoxError,
  type RoomMessage,
} from '@relaybox/protocol';
export type {
  RestAuthSession,
  RestAuthUser,
  RestUserPatch,
  RestUsers,
  RestUsersPage,
} from './auth-users.js';
export type { CreateTokenParams, TokenDetails } from './create-token.js';
export type { HistoryPage, HistoryParams } from './history-page.js';
export type { FetchLike } from './http-request.js';
export { RelayBoxRest, type RelayBoxRestOptions, type RestPublishOptions } from './relay-box-rest.js';
export {
  DEFAULT_WEBHOOK_TOLERANCE_SEC,
  type SignWebhookParams,
  signWebhook,
  type VerifyWebhookParams,
  verifyWebhook,
  WebhookHeader,
  type WebhookHeaders,
  type WebhookPayload,
} from './webhooks.js';
