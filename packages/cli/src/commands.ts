import Approvals from './commands/approvals.js';
import Approve from './commands/approve.js';
import DistTagAdd from './commands/dist-tag/add.js';
import DistTagLs from './commands/dist-tag/ls.js';
import DistTagRm from './commands/dist-tag/rm.js';
import Login from './commands/login.js';
import Logout from './commands/logout.js';
import OwnerAccept from './commands/owner/accept.js';
import OwnerAdd from './commands/owner/add.js';
import OwnerDecline from './commands/owner/decline.js';
import OwnerLs from './commands/owner/ls.js';
import OwnerRm from './commands/owner/rm.js';
import OwnerTransfer from './commands/owner/transfer.js';
import OwnerTransfers from './commands/owner/transfers.js';
import Outdated from './commands/outdated.js';
import Reject from './commands/reject.js';
import Search from './commands/search.js';
import TokenCreate from './commands/token/create.js';
import TokenList from './commands/token/list.js';
import TokenRevoke from './commands/token/revoke.js';
import UserAdd from './commands/user/add.js';
import Yank from './commands/yank.js';
import Completion from './commands/completion.js';
import ConfigGet from './commands/config/get.js';
import ConfigList from './commands/config/list.js';
import ConfigSet from './commands/config/set.js';
import ConfigValidate from './commands/config/validate.js';
import Doctor from './commands/doctor.js';
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
import RegistryAdminToken from './commands/registry/admin-token.js';
import RegistryInit from './commands/registry/init.js';
import RegistryList from './commands/registry/list.js';
import RegistryRemove from './commands/registry/remove.js';
import RegistryServe from './commands/registry/serve.js';
import RegistryTrustKey from './commands/registry/trust-key.js';
import SigstoreUpdateRoot from './commands/sigstore/update-root.js';
import Verify from './commands/verify.js';

/** oclif's explicit command table: one import, no directory scan at start-up. */
export const COMMANDS = {
  approvals: Approvals,
  approve: Approve,
  completion: Completion,
  'config:get': ConfigGet,
  'config:list': ConfigList,
  'config:set': ConfigSet,
  'config:validate': ConfigValidate,
  'dist-tag:add': DistTagAdd,
  'dist-tag:ls': DistTagLs,
  'dist-tag:rm': DistTagRm,
  doctor: Doctor,
  info: Info,
  install: Install,
  login: Login,
  logout: Logout,
  'owner:accept': OwnerAccept,
  'owner:add': OwnerAdd,
  'owner:decline': OwnerDecline,
  'owner:ls': OwnerLs,
  'owner:rm': OwnerRm,
  'owner:transfer': OwnerTransfer,
  'owner:transfers': OwnerTransfers,
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
  'registry:admin-token': RegistryAdminToken,
  'registry:init': RegistryInit,
  'registry:list': RegistryList,
  'registry:remove': RegistryRemove,
  'registry:serve': RegistryServe,
  'registry:trust-key': RegistryTrustKey,
  outdated: Outdated,
  reject: Reject,
  search: Search,
  'sigstore:update-root': SigstoreUpdateRoot,
  'token:create': TokenCreate,
  'token:list': TokenList,
  'token:revoke': TokenRevoke,
  'user:add': UserAdd,
  verify: Verify,
  yank: Yank,
};
