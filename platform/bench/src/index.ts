export { Histogram } from './histogram.js';
export { nowMicros, PAYLOAD_BYTES, payloadJson, scanPayload } from './payload.js';
export { readCpu, readPeakRss, readRss } from './proc-stats.js';
export { SERVER_NAMES, SERVER_SPECS, type ServerName } from './server-specs.js';
