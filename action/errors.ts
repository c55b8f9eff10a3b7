// Typed failures of the action. Each message is shown to the workflow's author as the step's error,
// so it says what went wrong and what to do about it. None of them ever carries a secret.

/** A bad input: the step fails before anything runs. */
export class InputError extends Error {
  override readonly name = "InputError";
  constructor(
    readonly input: string,
    detail: string,
  ) {
    super(`Input "${input}": ${detail}`);
  }
}

/** The action could not do its work (no lane, every lane failed, Codex would not install...). */
export class ActionError extends Error {
  override readonly name = "ActionError";
}
