/**
 * A reply body that is JSON text already: `ClientSession` acks and `ResponseGuard.json` embed
 * `text` as it is instead of serializing the value again. History pages use it so that stored
 * message frames reach the client without a parse and a stringify per message on the event loop.
 * `text` must be one complete JSON value.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/** `JSON.stringify(value)`, or the text of a `JsonText` as it is. */
export function jsonOf(value: unknown): string {
  return value instanceof JsonText ? value.text : JSON.stringify(value);
}
