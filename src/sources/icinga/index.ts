export * from './icinga-client-options.js';
export * from './icinga-event-stream-client.js';
export * from './icinga-http-client.js';
export * from './icinga-state.js';
export * from './icinga-stream-decoder.js';
export * from './normalize-icinga-event.js';
export * from './reconcile-problems.js';
export * from './reconnect-delay.js';
