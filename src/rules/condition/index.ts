/**
 * @module The condition language of ansible-rulebook: parse a condition string, compile it to a
 * predicate, explain a non-match, and list the equality tests an index can use.
 * Semantics: shared/spec/rulebook-language.md §2.
 */
export * from './ast.js';
export { parseCondition, type ParseConditionOptions } from './parse-condition.js';
export {
  compileExpr,
  compileField,
  compileValue,
  type CompileConditionOptions,
  type Predicate,
  type ValueReader,
} from './compile-condition.js';
export { explainExpr, formatField, formatValue, type ConditionExplanation } from './explain-condition.js';
export { equalityKeys, indexKeyOf, type EqualityKey } from './index-keys.js';
export { compileJavaRegex, JavaRegexError, type JavaRegexFlags } from './java-regex.js';
export { javaToString, looseEqual, compareValues, type ComparisonOp } from './compare-values.js';
