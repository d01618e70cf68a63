export * from './range-source.js';
