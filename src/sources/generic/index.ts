export * from './generic-options.js';
export * from './generic-source.js';
