import { DecisionCommand } from './approve.js';

export default class Reject extends DecisionCommand {
  static override summary = 'Reject a pending version (approvers only): it is never installable.';
  static override examples = ['<%= config.bin %> reject @acme/tool@1.2.0 --comment "unreviewed binary"'];
  // oclif copies a command's own statics only (`{...ctor}`): inherited args would be lost.
  static override args = DecisionCommand.args;
  static override flags = DecisionCommand.flags;
  protected readonly decision = 'reject' as const;
}
