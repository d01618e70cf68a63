/**
 * @module Console output of the engine's own actions (`print_event`, `debug`, `shutdown`),
 * byte-compatible with ansible-rulebook's `Display.banner` (shared/spec/rulebook-language.md
 * §3.3, §3.5). Pure: each function returns the text to write to stdout.
 */
export { banner, bannerTimestamp, pythonRunAt, DEFAULT_BANNER_WIDTH, type BannerOptions } from './banner.js';
export { printEventOutput, PPRINT_WIDTH, type PrintEventOptions } from './print-event-output.js';
export { debugOutput, type DebugContext } from './debug-output.js';
export { shutdownOutput, formatFixed3, SHUTDOWN_DEFAULTS, type ShutdownNotice } from './shutdown-output.js';
export { maskSensitiveValues, isSensitiveKey, MASKED_STRING, SENSITIVE_KEY_FRAGMENTS } from './mask-sensitive-values.js';
