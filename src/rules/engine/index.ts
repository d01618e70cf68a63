export { compileRuleset, type CompiledRule, type CompiledRuleset, type CompiledPattern } from './compile-ruleset.js';
export {
  RulesetSession,
  DecisionKind,
  deepEqual,
  formatMs,
  type RulesetSessionOptions,
  type SessionResult,
  type SessionDecision,
  type SessionState,
  type SessionMeta,
  type SessionChanges,
} from './ruleset-session.js';
export {
  RulebookEvaluator,
  ENGINE_ACTIONS,
  type EventReport,
  type TimeReport,
  type CrossRulesetWork,
  type HeldDecision,
  type FiredRule,
  type RuleDecision,
  type ShutdownRequest,
  type RulebookEvaluatorOptions,
  type ProcessEventOptions,
} from './rulebook-evaluator.js';
export { planActions, templateContext, hostLimit, type PlannedAction } from './action-plan.js';
export { MatchTrigger, MemoryKind, isSingleEventMatch, type RuleMatch, type MemoryObject } from './match.js';
export { readPath, equalityKey, MISSING } from './field-path.js';
export { AlphaIndex } from './alpha-index.js';
