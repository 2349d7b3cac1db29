export { RelayBoxProvider, type RelayBoxProviderProps, useRelayBox } from './relay-box-provider.js';
export type { RoomState } from './room-registry.js';
export { type AuthHookState, useAuth } from './use-auth.js';
export { useConnectionState } from './use-connection-state.js';
export { type HistoryState, useHistory } from './use-history.js';
export { type MessagesState, type UseMessagesOptions, useMessages } from './use-messages.js';
export { type PresenceState, usePresence } from './use-presence.js';
export { type Publish, usePublish } from './use-publish.js';
export { useRoom } from './use-room.js';
