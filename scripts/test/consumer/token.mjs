// What an app backend's token route returns: a token minted locally with the API key.
import { RelayBoxRest } from '@relaybox/rest';

const { RELAYBOX_ORIGIN: origin, RELAYBOX_API_KEY: apiKey } = process.env;
const rest = new RelayBoxRest({ apiKey, url: origin });
const { token } = await rest.createToken({
  clientId: process.argv[2],
  permissions: { '*': ['subscribe', 'publish', 'presence', 'history'] },
});
console.log(token);
