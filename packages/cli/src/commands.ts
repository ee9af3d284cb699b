import ConfigList from './commands/config/list.js';
import ConfigValidate from './commands/config/validate.js';
import Info from './commands/info.js';
import Install from './commands/install.js';
import PkgInit from './commands/pkg/init.js';
import PkgPack from './commands/pkg/pack.js';
import PkgPublish from './commands/pkg/publish.js';
import PkgValidate from './commands/pkg/validate.js';
import PluginList from './commands/plugin/list.js';
import PolicyBuild from './commands/policy/build.js';
import PolicyEval from './commands/policy/eval.js';
import PolicyInit from './commands/policy/init.js';
import PolicyShow from './commands/policy/show.js';
import PolicyTest from './commands/policy/test.js';
import RegistryAdd from './commands/registry/add.js';
import RegistryInit from './commands/registry/init.js';
import RegistryList from './commands/registry/list.js';
import RegistryRemove from './commands/registry/remove.js';
import RegistryServe from './commands/registry/serve.js';
import SigstoreUpdateRoot from './commands/sigstore/update-root.js';
import Verify from './commands/verify.js';

/** oclif's explicit command table: one import, no directory scan at start-up. */
export const COMMANDS = {
  'config:list': ConfigList,
  'config:validate': ConfigValidate,
  info: Info,
  install: Install,
  'pkg:init': PkgInit,
  'pkg:pack': PkgPack,
  'pkg:publish': PkgPublish,
  'pkg:validate': PkgValidate,
  'plugin:list': PluginList,
  'policy:build': PolicyBuild,
  'policy:eval': PolicyEval,
  'policy:init': PolicyInit,
  'policy:show': PolicyShow,
  'policy:test': PolicyTest,
  'registry:add': RegistryAdd,
  'registry:init': RegistryInit,
  'registry:list': RegistryList,
  'registry:remove': RegistryRemove,
  'registry:serve': RegistryServe,
  'sigstore:update-root': SigstoreUpdateRoot,
  verify: Verify,
};
