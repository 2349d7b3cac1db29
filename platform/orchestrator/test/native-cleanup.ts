import { connect } from 'node:net';
import amqp from 'amqplib';

/** Deletes every Redis key under `prefix` (one EVAL over RESP; this package has no Redis client). */
export function deleteRedisKeys(prefix: string): Promise<void> {
  const script =
    "local k=redis.call('keys',ARGV[1]) for i=1,#k,500 do redis.call('del',unpack(k,i,math.min(i+499,#k))) end return #k";
  const args = ['EVAL', script, '0', `${prefix}*`];
  const command = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = connect(6379, '127.0.0.1', () => socket.write(command));
    socket.setTimeout(5000, () => socket.destroy(new Error('redis timeout')));
    socket.once('data', () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
}

/** Deletes the RabbitMQ exchange a test stack declared. */
export async function deleteExchange(exchange: string): Promise<void> {
  const connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  try {
    const channel = await connection.createChannel();
    await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
}
