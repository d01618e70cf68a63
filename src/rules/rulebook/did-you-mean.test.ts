import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, suggestionSuffix } from './did-you-mean.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and transpositions as one edit each', () => {
    expect(editDistance('conditon', 'condition')).toBe(1);
    expect(editDistance('condition', 'conditon')).toBe(1);
    expect(editDistance('run_playbok', 'run_playbook')).toBe(1);
    expect(editDistance('acitons', 'actions')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});

describe('didYouMean', () => {
  const keys = ['name', 'condition', 'action', 'actions', 'enabled', 'throttle'];

  it('suggests the closest candidate within two edits', () => {
    expect(didYouMean('conditon', keys)).toBe('condition');
    expect(didYouMean('acton', keys)).toBe('action');
    expect(didYouMean('Name', keys)).toBe('name');
  });

  it('allows a third of the length for long names', () => {
    expect(didYouMean('ansible.eda.alertmangr', ['ansible.eda.alertmanager', 'ansible.eda.kafka'])).toBe(
      'ansible.eda.alertmanager',
    );
  });

  it('suggests nothing when everything is far away', () => {
    expect(didYouMean('hostname', keys)).toBeUndefined();
    expect(didYouMean('x', ['m'])).toBeUndefined();
  });

  it('falls back to a candidate whose last dotted segment matches', () => {
    expect(didYouMean('alertmanager', ['ansible.eda.kafka', 'ansible.eda.alertmanager'])).toBe('ansible.eda.alertmanager');
  });

  it('formats a ready-to-append suffix', () => {
    expect(suggestionSuffix('conditon', keys)).toBe('; did you mean "condition"?');
    expect(suggestionSuffix('zzzzzz', keys)).toBe('');
  });
});
