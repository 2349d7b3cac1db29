import type { DiscontinuityFrame, MessageFrame, MetricsFrame, PresenceEventFrame } from '@relaybox/protocol';

/** The frames that concern one room (routed by their `room`). */
export type RoomFrame = MessageFrame | DiscontinuityFrame | PresenceEventFrame | MetricsFrame;
