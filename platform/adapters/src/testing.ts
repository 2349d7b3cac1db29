// Helpers for the integration tests of other packages (`@relaybox/adapters/testing`): clean up what
// a test stack left in the local Redis and RabbitMQ. Not part of the runtime API.
export { RABBITMQ_URL, RabbitmqAdmin } from './amqp/rabbitmq-admin.js';
export {
  type RedisClusterOptions,
  type RedisClusterProcess,
  startRedisCluster,
} from './redis/redis-cluster-process.js';
export { deleteKeys as deleteRedisKeys, REDIS_URL } from './redis/redis-test-keys.js';
