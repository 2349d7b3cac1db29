// Server push from an app backend: node publish.mjs <room> <event> <text>
import { RelayBoxRest } from '@relaybox/rest';

const { RELAYBOX_ORIGIN: origin, RELAYBOX_API_KEY: apiKey } = process.env;
const [room, event, text] = process.argv.slice(2);
const ack = await new RelayBoxRest({ apiKey, url: origin }).publish(room, event, { text });
console.log(JSON.stringify(ack));
