export * from './errors.js';
export * from './clock.js';
export * from './json.js';
export * from './resolve-secret.js';
export * from './race-timeout.js';
