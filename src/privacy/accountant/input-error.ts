/**
 * The accountant's input errors: a parameter outside the range where the accounting math is
 * defined (or where double-precision arithmetic can evaluate it), or a PRV error budget the
 * discretization cannot meet. These are input problems (exit 2), never internal errors: they
 * arrive from flags, scenarios and results files, and the message names the parameter, the
 * allowed range and the value found.
 */
import { FedageError, EXIT_INPUT } from '../../errors.js';

export class AccountantInputError extends FedageError {
  constructor(message: string) {
    super(message, EXIT_INPUT);
  }
}
