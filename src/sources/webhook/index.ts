export * from './normalize-webhook.js';
