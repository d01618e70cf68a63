/**
 * @module Writes extra vars as a YAML file in which every string that came from outside is
 * tagged `!unsafe`. Ansible templates variable values recursively when they are used, so an
 * event carrying `"{{ lookup('pipe', 'id') }}"` would run a command on the controller as soon
 * as a playbook read `ansible_eda.event` (verified with ansible-core 2.14). JSON cannot carry
 * the tag, hence YAML; YAML 1.1 quoting because Ansible reads YAML 1.1 (`yes`, `on`, `1:20`).
 */
import { Document, visit, type Node } from 'yaml';

/** The key upstream ansible-rulebook uses for rule context in playbook extra vars. */
export const ANSIBLE_EDA_KEY = 'ansible_eda';

/** The YAML tag that makes Ansible treat a string as data, never as a template. */
const UNSAFE_TAG = '!unsafe';

/** Creates a document that stringifies the way ansible's YAML 1.1 loader reads back. */
export function newAnsibleYamlDocument(): Document {
  return new Document(null, { version: '1.1' });
}

/**
 * A YAML node for `value` in `doc`; with `unsafe`, every string in it (keys too) is tagged
 * `!unsafe`. Numbers, booleans and null keep their types either way.
 */
export function yamlNode(doc: Document, value: unknown, unsafe: boolean): Node {
  const node = doc.createNode(value, { aliasDuplicateObjects: false });
  if (unsafe) {
    visit(node, {
      Scalar(_key, scalar) {
        if (typeof scalar.value === 'string') scalar.tag = UNSAFE_TAG;
      },
    });
  }
  return node;
}

/** Stringifies without folding long lines, so values survive byte for byte. */
export function stringifyAnsibleYaml(doc: Document): string {
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}

/**
 * The content of the `--extra-vars @file` file.
 * @param extraVars user extra vars (JSON-compatible, validated by the resolver)
 * @param ansibleEda the `ansible_eda` block; always tagged unsafe (it holds event data)
 * @param allowTemplates when false, strings of `extraVars` are tagged unsafe as well
 */
export function renderExtraVars(
  extraVars: Readonly<Record<string, unknown>>,
  ansibleEda: Readonly<Record<string, unknown>> | undefined,
  allowTemplates: boolean,
): string {
  const doc = newAnsibleYamlDocument();
  const root = yamlNode(doc, extraVars, !allowTemplates);
  doc.contents = root;
  if (ansibleEda !== undefined) doc.set(ANSIBLE_EDA_KEY, yamlNode(doc, ansibleEda, true));
  return stringifyAnsibleYaml(doc);
}
