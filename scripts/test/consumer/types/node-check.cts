// Type-checked under NodeNext (CommonJS resolution: the packages' `require` types).
import { RelayBox, RelayBoxError } from '@relaybox/client';
import { RelayBoxRest } from '@relaybox/rest';

export async function check(origin: string, apiKey: string): Promise<string | undefined> {
  const { token } = await new RelayBoxRest({ apiKey, url: origin }).createToken({ clientId: 'typed-cjs' });
  const relay = new RelayBox({ url: `${origin}/v1/ws`, token });
  relay.connection.on('statechange', ({ current }) => console.log(current));
  try {
    await relay.connect();
    return relay.connectionId;
  } catch (error) {
    if (error instanceof RelayBoxError) return `${error.code} ${error.retryable}`;
    throw error;
  }
}
