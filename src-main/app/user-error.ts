/** Errors whose message is meant for the user as is (bad input, missing prerequisites). */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
