import { TransferAnswer } from './accept.js';

export default class OwnerDecline extends TransferAnswer {
  static override summary = 'Decline a package ownership transfer offered to you.';
  static override examples = ['<%= config.bin %> owner decline 7d2c...'];
  // oclif copies a command's own statics only (`{...ctor}`): inherited args would be lost.
  static override args = TransferAnswer.args;
  static override flags = TransferAnswer.flags;
  protected readonly answer = 'decline' as const;
}
