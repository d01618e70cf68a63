/**
 * @module The playbook `run_module` wraps a module in, shaped like upstream ansible-rulebook's
 * (`action/run_module.py`): one play on the host limit without fact gathering, the module task
 * registering `module_result`, then a cacheable `set_fact` of it so the result becomes the
 * run's artifacts.
 */
import { YAMLMap, YAMLSeq } from 'yaml';
import { newAnsibleYamlDocument, stringifyAnsibleYaml, yamlNode } from './render-extra-vars.js';

/** The variable the module result is registered in (upstream's `MODULE_OUTPUT_KEY`). */
export const MODULE_RESULT_VAR = 'module_result';

/**
 * The generated playbook text.
 * @param module module name, short or FQCN (validated by the resolver)
 * @param moduleArgs a mapping, or a free-form `k=v` string
 * @param hostPattern the play's `hosts:` (the limit joined by commas, or `all`)
 * @param allowTemplates when false, strings of a mapping `moduleArgs` are tagged `!unsafe`
 *   (a free-form string cannot be protected that way: Ansible's k=v parser drops the tag, so the
 *   resolver refuses template markers in it instead)
 */
export function renderModulePlaybook(
  module: string,
  moduleArgs: Readonly<Record<string, unknown>> | string,
  hostPattern: string,
  allowTemplates: boolean,
): string {
  const doc = newAnsibleYamlDocument();
  const moduleTask = new YAMLMap();
  moduleTask.set('name', 'Module wrapper');
  moduleTask.set(module, yamlNode(doc, moduleArgs, !allowTemplates && typeof moduleArgs !== 'string'));
  moduleTask.set('register', MODULE_RESULT_VAR);

  const saveTask = doc.createNode({
    name: 'save result',
    'ansible.builtin.set_fact': { [MODULE_RESULT_VAR]: `{{ ${MODULE_RESULT_VAR} }}`, cacheable: true },
  });

  const tasks = new YAMLSeq();
  tasks.add(moduleTask);
  tasks.add(saveTask);

  const play = new YAMLMap();
  play.set('name', 'wrapper');
  play.set('hosts', hostPattern);
  play.set('gather_facts', false);
  play.set('tasks', tasks);

  const plays = new YAMLSeq();
  plays.add(play);
  doc.contents = plays;
  return stringifyAnsibleYaml(doc);
}
