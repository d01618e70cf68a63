export * from './icinga-state.js';
export * from './icinga-stream-decoder.js';
export * from './normalize-icinga-event.js';
export * from './reconcile-problems.js';
